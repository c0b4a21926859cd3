/* global self, caches, importScripts, __PARTA_PRECACHE__, __PARTA_VERSION__ */
// Parta's service worker. The build fills in the precache list and version (scripts/sw-plugin.ts).
// - the app shell (index.html, hashed assets, icons, manifest) is precached, so the app opens offline;
// - the last chat list, recent history and account are kept network-first, so they show offline;
// - everything else goes to the network untouched.
// A new version waits until the page says to take over (the "update is ready" banner), and the
// files of replaced versions stay cached for a grace period: a tab opened before a deploy still
// loads the lazy chunks it was built with, which the server no longer has.
const PRECACHE = __PARTA_PRECACHE__;
const VERSION = __PARTA_VERSION__;
const SHELL_PREFIX = 'parta-shell-';
const SHELL = `${SHELL_PREFIX}${VERSION}`;
const DATA = 'parta-data'; // also sync/offline-copy.ts's OFFLINE_CACHE: the page keeps it current
/** When each replaced version's shell was replaced: `{ [cacheName]: ms }`, kept in a cache of its own. */
const RETIRED = new Request('/__parta/retired-shells');
const META = 'parta-meta';
/** How long a replaced version's files stay, and how many replaced versions at most. */
const GRACE_MS = 7 * 24 * 60 * 60 * 1000;
const KEEP_REPLACED = 3;

// Push notifications and taps on them: a file of their own (public/sw-push.js).
importScripts('/sw-push.js');

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(PRECACHE)));
});

/** The replaced shells to delete: past the grace period, or beyond the newest KEEP_REPLACED. */
function expiredShells(retired, now) {
  const byAge = Object.entries(retired).sort((a, b) => b[1] - a[1]);
  return byAge.filter(([, at], i) => i >= KEEP_REPLACED || now - at > GRACE_MS).map(([name]) => name);
}

async function retireOldShells() {
  const meta = await caches.open(META);
  const saved = await meta.match(RETIRED);
  const retired = saved ? await saved.json() : {};
  const now = Date.now();
  const shells = (await caches.keys()).filter((k) => k.startsWith(SHELL_PREFIX));
  for (const name of Object.keys(retired)) if (name === SHELL || !shells.includes(name)) delete retired[name];
  for (const name of shells) if (name !== SHELL && !(name in retired)) retired[name] = now;
  for (const name of expiredShells(retired, now)) {
    await caches.delete(name);
    delete retired[name];
  }
  await meta.put(RETIRED, new Response(JSON.stringify(retired), { headers: { 'content-type': 'application/json' } }));
}

self.addEventListener('activate', (event) => {
  event.waitUntil(retireOldShells().then(() => self.clients.claim()));
});

// The page says when to take over: when someone presses "Reload" on the update banner.
self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'skip-waiting') event.waitUntil(self.skipWaiting());
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
    event.respondWith(fetch(request).catch(async () => (await caches.match('/', { cacheName: SHELL })) ?? Response.error()));
    return;
  }
  if (url.pathname.startsWith('/api/')) {
    if (isCachedData(url)) event.respondWith(networkFirst(request, DATA));
    return;
  }
  event.respondWith(fromShells(request));
});

/** This version's files first, then those of the versions it replaced, then the network. */
async function fromShells(request) {
  const hit = await caches.match(request, { cacheName: SHELL });
  if (hit) return hit;
  for (const name of (await caches.keys()).filter((k) => k.startsWith(SHELL_PREFIX) && k !== SHELL)) {
    const old = await caches.match(request, { cacheName: name });
    if (old) return old;
  }
  return fetch(request);
}
