/* global self, caches, importScripts, __PARTA_PRECACHE__, __PARTA_VERSION__ */
// Parta's service worker. The build fills in the precache list and version (scripts/sw-plugin.ts).
// - the app shell (index.html, hashed assets, icons, manifest) is precached, so the app opens offline;
// - the last chat list, recent history and account are kept network-first, so they show offline;
// - everything else goes to the network untouched.
const PRECACHE = __PARTA_PRECACHE__;
const VERSION = __PARTA_VERSION__;
const SHELL = `parta-shell-${VERSION}`;
const DATA = 'parta-data';

// Push notifications and taps on them: a file of their own (public/sw-push.js).
importScripts('/sw-push.js');

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('parta-shell-') && k !== SHELL).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// The app asks to forget cached data when someone signs out or another account signs in.
self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'clear-data') event.waitUntil(caches.delete(DATA));
});

function isCachedData(url) {
  if (url.pathname === '/api/v1/me' || url.pathname === '/api/v1/chats') return true;
  // The newest page of a chat's history (older pages are not kept).
  return /^\/api\/v1\/chats\/[^/]+\/messages$/.test(url.pathname) && !url.searchParams.has('before');
}

async function networkFirst(request, cacheName) {
  const cache = await caches.open(cacheName);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (err) {
    const cached = await cache.match(request);
    if (cached) return cached;
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    event.respondWith(
      fetch(request).catch(async () => (await caches.match('/', { cacheName: SHELL })) ?? Response.error()),
    );
    return;
  }
  if (url.pathname.startsWith('/api/')) {
    if (isCachedData(url)) event.respondWith(networkFirst(request, DATA));
    return;
  }
  event.respondWith(caches.match(request, { cacheName: SHELL }).then((hit) => hit ?? fetch(request)));
});
