import type { Locale, Me } from '@parta/protocol';
import { Me as MeSchema } from '@parta/protocol';
import { Api } from '../lib/api.ts';
import { createStore } from '../lib/store.ts';
import { OFFLINE_CACHE } from '../sync/offline-copy.ts';
import { initialLocale } from '../i18n/index.ts';

const TOKEN_KEY = 'parta.token';
const LOCALE_KEY = 'parta.locale';
const SCHOOL_KEY = 'parta.school';

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
function write(key: string, value: string | null) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    /* storage unavailable (private mode): keep in memory only */
  }
}

export const tokenStore = createStore<string | null>(read(TOKEN_KEY));
export const localeStore = createStore<Locale>(initialLocale(read(LOCALE_KEY), typeof navigator === 'undefined' ? [] : navigator.languages));
export const meStore = createStore<Me | null>(null);
export const schoolStore = createStore<string | null>(read(SCHOOL_KEY));

tokenStore.subscribe(() => write(TOKEN_KEY, tokenStore.get()));
localeStore.subscribe(() => {
  write(LOCALE_KEY, localeStore.get());
  document.documentElement.lang = localeStore.get();
});
schoolStore.subscribe(() => write(SCHOOL_KEY, schoolStore.get()));

export const api = new Api({
  token: () => tokenStore.get(),
  locale: () => localeStore.get(),
  onUnauthenticated: () => signOutLocally(),
});

/** Drops the cached account data the service worker serves offline (account, chat list, history). */
export async function clearCachedData(): Promise<void> {
  // Deleted from the page and awaited, so that what the next account loads is cached after it.
  if (typeof caches !== 'undefined') await caches.delete(OFFLINE_CACHE).catch(() => false);
  else navigator.serviceWorker?.controller?.postMessage({ type: 'clear-data' });
}

export function signOutLocally(): void {
  if (!tokenStore.get()) return;
  void clearCachedData();
  for (const k of Object.keys(localStorage)) if (k.startsWith('parta.u.')) localStorage.removeItem(k);
  tokenStore.set(null);
  meStore.set(null);
}

export async function loadMe(): Promise<Me> {
  const me = await api.get('/api/v1/me', MeSchema);
  meStore.set(me);
  const school = schoolStore.get();
  if (!me.schools.some((s) => s.school.id === school)) schoolStore.set(me.schools[0]?.school.id ?? null);
  return me;
}

export function currentMembership(me: Me | null, schoolId: string | null) {
  return me?.schools.find((s) => s.school.id === schoolId) ?? me?.schools[0] ?? null;
}

export function displayName(p: { lastName: string | null; firstName: string | null; middleName?: string | null }): string {
  return [p.lastName, p.firstName, p.middleName].filter(Boolean).join(' ');
}
