import { useEffect, useState } from 'react';
import { RecipientHours, type Chat } from '@parta/protocol';
import { api } from '../app/state.ts';
import { Icon } from './kit.tsx';

/**
 * Above the composer of a direct chat: the other person is in quiet hours (their own or the
 * school's), so the writer knows before sending when they will be notified ("…уведомление — в 08:00").
 */
export function QuietAhead({ chat }: { chat: Pick<Chat, 'id' | 'kind'> }) {
  const [text, setText] = useState<string | null>(null);
  useEffect(() => {
    if (chat.kind !== 'direct') return setText(null);
    let live = true;
    const load = () =>
      api.get(`/api/v1/chats/${chat.id}/recipient-hours`, RecipientHours).then(
        (r) => live && setText(r.notice?.message ?? null),
        () => undefined,
      );
    void load();
    const every = setInterval(load, 5 * 60_000);
    return () => {
      live = false;
      clearInterval(every);
    };
  }, [chat.id, chat.kind]);
  if (!text) return null;
  return (
    <div className="notice" role="status" data-quiet-ahead>
      <Icon name="clock" />
      <span>{text}</span>
    </div>
  );
}
