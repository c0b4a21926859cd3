import { useEffect } from 'react';
import { WsServerFrame } from '@parta/protocol';
import { tokenStore } from './state.ts';

/**
 * For screens shown before the account belongs to a school (the applicant's waiting screen): follows
 * the account's update stream and calls `onUpdate` when anything arrives for it (an approved join
 * request adds the account to its chats). Reconnects with backoff while the screen is shown.
 */
export function useStreamUpdates(onUpdate: () => void): void {
  useEffect(() => {
    let ws: WebSocket | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let attempts = 0;
    let stopped = false;
    const connect = () => {
      const token = tokenStore.get();
      if (!token || stopped) return;
      ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/ws`);
      ws.onopen = () => ws?.send(JSON.stringify({ type: 'auth', token }));
      ws.onmessage = (ev) => {
        let data: unknown;
        try {
          data = JSON.parse(String(ev.data));
        } catch {
          return;
        }
        const frame = WsServerFrame.safeParse(data);
        if (!frame.success) return;
        if (frame.data.type === 'ready') attempts = 0;
        if (frame.data.type === 'update') onUpdate();
      };
      ws.onclose = () => {
        ws = null;
        if (stopped) return;
        attempts++;
        timer = setTimeout(connect, Math.min(8000, 500 * 2 ** attempts));
      };
    };
    connect();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (ws) {
        ws.onclose = null;
        ws.close(1000);
      }
    };
  }, [onUpdate]);
}
