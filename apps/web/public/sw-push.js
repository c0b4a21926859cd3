/* global self, caches */
// Parta's push notifications, imported by the service worker (sw.js).
// A push carries only { id, n }: an opaque id and the unread count. What to show is read from
// Parta with this device's session, which the app hands over (postMessage 'push-token') and which
// is kept in a cache of its own, never in the push. A tap opens the chat at the message.
(() => {
  const AUTH = 'parta-push';
  const TOKEN = '/__parta/push-token';
  const LOCALE = '/__parta/push-locale';
  const FALLBACK = {
    ru: { title: 'Parta', body: 'Новое сообщение' },
    en: { title: 'Parta', body: 'New message' },
  };

  async function read(key) {
    const cache = await caches.open(AUTH);
    const hit = await cache.match(key);
    return hit ? hit.text() : null;
  }

  async function remember(token, locale) {
    const cache = await caches.open(AUTH);
    if (token) await cache.put(TOKEN, new Response(token));
    else await cache.delete(TOKEN);
    if (locale) await cache.put(LOCALE, new Response(locale));
  }

  async function badge(count) {
    const nav = self.navigator;
    if (!nav || typeof nav.setAppBadge !== 'function') return;
    try {
      if (count > 0) await nav.setAppBadge(count);
      else await nav.clearAppBadge();
    } catch {
      /* the platform has no badge */
    }
  }

  async function view(id) {
    const token = await read(TOKEN);
    if (!token) return null;
    try {
      const res = await fetch(`/api/v1/notifications/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${token}` }, cache: 'no-store' });
      return res.ok ? await res.json() : null;
    } catch {
      return null;
    }
  }

  async function onPush(event) {
    let data = null;
    try {
      data = event.data ? event.data.json() : null;
    } catch {
      data = null;
    }
    if (!data || typeof data.id !== 'string') return;
    if (typeof data.n === 'number') await badge(data.n);
    const shown = await view(data.id);
    if (shown) {
      await badge(shown.unread);
      await self.registration.showNotification(shown.title || 'Parta', {
        body: shown.body,
        tag: shown.tag,
        renotify: true,
        requireInteraction: shown.urgent === true,
        icon: '/icons/icon-192.png',
        badge: '/icons/icon-192.png',
        data: { url: shown.url, id: shown.id, chatId: shown.chatId, urgent: shown.urgent === true },
      });
      return;
    }
    // Signed out on this device, or offline: a push must still show something, and says nothing.
    const text = FALLBACK[(await read(LOCALE)) === 'en' ? 'en' : 'ru'];
    await self.registration.showNotification(text.title, { body: text.body, tag: 'parta', icon: '/icons/icon-192.png', data: { url: '/' } });
  }

  async function onClick(event) {
    event.notification.close();
    const url = new URL((event.notification.data && event.notification.data.url) || '/', self.location.origin);
    if (url.origin !== self.location.origin) return;
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
    if (open) {
      // The app moves to the chat itself (no reload); it listens for 'open'.
      open.postMessage({ type: 'open', url: url.pathname + url.search });
      try {
        await open.focus();
      } catch {
        /* focusing needs the tap's user activation; the app has moved to the chat anyway */
      }
      return;
    }
    await self.clients.openWindow(url.pathname + url.search);
  }

  self.addEventListener('message', (event) => {
    if (event.data && event.data.type === 'push-token') event.waitUntil(remember(event.data.token || null, event.data.locale || null));
  });
  self.addEventListener('push', (event) => event.waitUntil(onPush(event)));
  self.addEventListener('notificationclick', (event) => event.waitUntil(onClick(event)));
})();
