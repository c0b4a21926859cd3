import { useEffect, useSyncExternalStore } from 'react';
import type { Chat } from '@parta/protocol';

/**
 * The unread count where a person looks away from the app: in the tab's title («(3) Парта») and, where
 * the browser has the Badging API (an installed app), on the app's icon. Cleared at zero.
 */
export function useUnreadAttention(chats: Chat[] | null, schoolId: string | null, appName: string): void {
  const unread = (chats ?? []).filter((c) => !schoolId || c.schoolId === schoolId).reduce((n, c) => n + c.unreadCount, 0);
  useEffect(() => {
    document.title = unread > 0 ? `(${unread > 999 ? '999+' : unread}) ${appName}` : appName;
    const nav = navigator as Navigator & { setAppBadge?: (n: number) => Promise<void>; clearAppBadge?: () => Promise<void> };
    if (unread > 0) nav.setAppBadge?.(unread).catch(() => undefined);
    else nav.clearAppBadge?.().catch(() => undefined);
  }, [unread, appName]);
  useEffect(() => () => void (document.title = appName), [appName]);
}

interface InstallPromptEvent extends Event {
  prompt(): Promise<void>;
  userChoice: Promise<{ outcome: 'accepted' | 'dismissed' }>;
}

/** The browser's offer to install the app (`beforeinstallprompt`), kept from the page's start until used. */
let offer: InstallPromptEvent | null = null;
const listeners = new Set<() => void>();
if (typeof window !== 'undefined') {
  window.addEventListener('beforeinstallprompt', (e) => {
    e.preventDefault();
    offer = e as InstallPromptEvent;
    listeners.forEach((l) => l());
  });
  window.addEventListener('appinstalled', () => {
    offer = null;
    listeners.forEach((l) => l());
  });
}

/** Whether the browser offers installing, and the function that shows its dialog. */
export function useInstallOffer(): { available: boolean; install: () => Promise<void> } {
  const available = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => offer !== null,
    () => false,
  );
  return {
    available,
    install: async () => {
      const e = offer;
      if (!e) return;
      offer = null;
      listeners.forEach((l) => l());
      await e.prompt();
      await e.userChoice.catch(() => undefined);
    },
  };
}
