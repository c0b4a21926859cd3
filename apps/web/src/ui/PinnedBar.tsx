import { useEffect, useState } from 'react';
import { Message, type Chat } from '@parta/protocol';
import { api } from '../app/state.ts';
import { useI18n } from '../i18n/index.ts';
import { paths } from '../sync/paths.ts';
import { preview, shortName } from './chat-format.ts';
import { Icon } from './kit.tsx';

/** The chat's pinned message (its rules, say) above the history; a press shows it in the history. */
export function PinnedBar({ chat, loaded, onOpen }: { chat: Chat; loaded: readonly Message[]; onOpen: (m: Message) => void }) {
  const { t } = useI18n();
  const id = chat.pinnedMessageId;
  const inHistory = id ? loaded.find((m) => m.id === id) : undefined;
  const [fetched, setFetched] = useState<Message | null>(null);
  useEffect(() => {
    setFetched(null);
    if (!id || inHistory) return;
    let live = true;
    api.get(paths.message(chat.id, id), Message).then(
      (m) => live && setFetched(m),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [chat.id, id, inHistory]);
  const m = inHistory ?? (fetched?.id === id ? fetched : null);
  if (!id || !m) return null;
  return (
    <button type="button" className="pinned-bar" onClick={() => onOpen(m)} aria-label={t('chat.pinnedOpen', { text: preview(m, t) })} data-pinned={m.id}>
      <Icon name="pin" size={16} />
      <span className="pinned-label">{t('chat.pinned')}</span>
      <span className="pinned-text">
        <strong>{shortName(m.author.name)}:</strong> {preview(m, t)}
      </span>
    </button>
  );
}
