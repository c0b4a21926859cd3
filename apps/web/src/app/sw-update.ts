import { createStore } from '../lib/store.ts';

/**
 * The service worker (src/sw-source.js) seen from the page. A new version of the app installs in
 * the background and waits; `updateReady` turns true, the banner (ui/UpdateBanner.tsx) offers to
 * reload, and only then does the new version take over. Nothing reloads under someone's typing.
 */
export const updateReady = createStore(false);

let registration: ServiceWorkerRegistration | null = null;
/** A tab left open looks for a new version this often. */
const CHECK_EVERY_MS = 60 * 60 * 1000;

export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || !import.meta.env.PROD) return;
  window.addEventListener('load', () => {
    navigator.serviceWorker
      .register('/sw.js', { scope: '/' })
      .then((reg) => {
        registration = reg;
        // With no controller this is the first install: nothing to update.
        const watch = (worker: ServiceWorker | null) => {
          if (!worker) return;
          const check = () => {
            if (worker.state === 'installed' && navigator.serviceWorker.controller) updateReady.set(true);
          };
          check();
          worker.addEventListener('statechange', check);
        };
        watch(reg.waiting ?? reg.installing);
        reg.addEventListener('updatefound', () => watch(reg.installing));
        setInterval(() => void reg.update().catch(() => undefined), CHECK_EVERY_MS);
      })
      .catch(() => undefined);
  });
}

/** Lets the waiting version take over, then reloads into it (or just reloads when another tab already did). */
export function applyUpdate(): void {
  const waiting = registration?.waiting;
  if (!waiting) {
    location.reload();
    return;
  }
  navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), { once: true });
  waiting.postMessage({ type: 'skip-waiting' });
}
