import { DevicePush, VapidKey, type MuteFor, type NotifyLevel } from '@parta/protocol';
import { navigate } from '../lib/router.ts';
import { api, localeStore, tokenStore } from './state.ts';

/**
 * Web Push on this device (docs/subsystems/notifications.md). The service worker (public/sw-push.js)
 * is handed the session token so it can ask Parta what a push is about; a push itself carries
 * nothing but an id and a count. A tap on a notification asks the open app to go to the chat.
 */
export const pushPaths = {
  key: () => '/api/v1/push/key',
  device: () => '/api/v1/me/push',
  chat: (chatId: string) => `/api/v1/chats/${chatId}/notifications`,
};

export function pushSupported(): boolean {
  return typeof window !== 'undefined' && 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

async function handToWorker(): Promise<void> {
  if (!('serviceWorker' in navigator)) return;
  const reg = await navigator.serviceWorker.ready;
  reg.active?.postMessage({ type: 'push-token', token: tokenStore.get(), locale: localeStore.get() });
}

function keyBytes(b64url: string): Uint8Array<ArrayBuffer> {
  const b64 = b64url
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(b64url.length / 4) * 4, '=');
  const raw = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

async function register(sub: PushSubscription): Promise<DevicePush> {
  const json = sub.toJSON();
  return api.put(pushPaths.device(), DevicePush, { endpoint: json.endpoint, expirationTime: json.expirationTime ?? null, keys: json.keys });
}

/** Asks for permission, subscribes with the server's key and registers the subscription for this session. */
export async function enablePush(): Promise<DevicePush> {
  if ((await Notification.requestPermission()) !== 'granted') throw new Error('denied');
  const reg = await navigator.serviceWorker.ready;
  const { publicKey } = await api.get(pushPaths.key(), VapidKey);
  const sub =
    (await reg.pushManager.getSubscription()) ?? (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) }));
  await handToWorker();
  return register(sub);
}

export async function disablePush(): Promise<void> {
  await api.delete(pushPaths.device());
  const reg = await navigator.serviceWorker.ready;
  await (await reg.pushManager.getSubscription())?.unsubscribe();
}

export function devicePush(): Promise<DevicePush> {
  return api.get(pushPaths.device(), DevicePush);
}

export function setDevicePush(body: { level?: NotifyLevel; mute?: MuteFor }): Promise<DevicePush> {
  return api.patch(pushPaths.device(), DevicePush, body);
}

/** At start: keeps the worker's token current, follows taps, and renews a subscription this session already has. */
export function startPush(): void {
  if (!('serviceWorker' in navigator)) return;
  void handToWorker().catch(() => undefined);
  tokenStore.subscribe(() => void handToWorker().catch(() => undefined));
  localeStore.subscribe(() => void handToWorker().catch(() => undefined));
  navigator.serviceWorker.addEventListener('message', (event: MessageEvent<{ type?: string; url?: string }>) => {
    if (event.data?.type === 'open' && typeof event.data.url === 'string' && event.data.url.startsWith('/')) navigate(event.data.url);
  });
  if (!pushSupported() || Notification.permission !== 'granted' || !tokenStore.get()) return;
  void navigator.serviceWorker.ready
    .then((reg) => reg.pushManager.getSubscription())
    .then((sub) => (sub ? register(sub) : null))
    .catch(() => undefined);
}
