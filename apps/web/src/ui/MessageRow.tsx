import { lazy, memo, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Chat, Message, MessageAttachment, PhotoRef } from '@parta/protocol';
import { Avatar } from './Avatar.tsx';
import { api } from '../app/state.ts';
import { useEngine } from '../app/engine-context.ts';
import { useStore } from '../lib/store.ts';
import { useI18n } from '../i18n/index.ts';
import { filePaths, paths } from '../sync/paths.ts';
import type { Outgoing } from '../sync/outbox.ts';
import { useReceipts } from '../screens/ChatView.tsx';
import { isChannel, shortName } from './chat-format.ts';
import { Icon, TeacherBadge } from './kit.tsx';
import { MessageText } from './MessageText.tsx';
import { BotBadge, InlineKeyboardView } from '../bots/BotParts.tsx';
import { CardAttachment } from '../meetings/Cards.tsx';
import { AckBar } from '../meetings/AckBar.tsx';
import { ReactionPicker } from './ReactionPicker.tsx';
import { formatSize } from './size.ts';

interface Props {
  chat: Chat;
  message: Message;
  grouped: boolean;
  highlighted: boolean;
  myUserId: string;
  myPersonId?: string;
  /** The author's photo, from the chat's member list. */
  photo?: PhotoRef | null;
  /** Whose parent the author is («мама Егора»), in class and parents' chats. */
  whose?: string | null;
  showReceipts: boolean;
  tick: number;
  onReply: () => void;
  onEdit: () => void;
  onJump: (messageId: string) => void;
}

const ImageViewer = lazy(() => import('./ImageViewer.tsx'));

export const MessageRow = memo(function MessageRow({
  chat,
  message: m,
  grouped,
  highlighted,
  myUserId,
  myPersonId,
  photo,
  whose,
  showReceipts,
  tick,
  onReply,
  onEdit,
  onJump,
}: Props) {
  const { t, time, plural, error } = useI18n();
  const mine = m.author.userId === myUserId;
  const deleted = !!m.deletedAt;
  const [picking, setPicking] = useState(false);
  const reactButton = useRef<HTMLButtonElement>(null);
  const closePicker = useCallback(() => setPicking(false), []);
  const images = useMemo(() => m.attachments.filter((a) => a.kind === 'image'), [m.attachments]);
  const [viewing, setViewing] = useState<number | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const channel = isChannel(chat.kind);

  async function react(emoji: string) {
    setPicking(false);
    const had = m.reactions.find((r) => r.emoji === emoji)?.userIds.includes(myUserId);
    try {
      if (had) await api.delete(paths.reaction(chat.id, m.id, emoji));
      else await api.post(paths.reactions(chat.id, m.id), null, { emoji });
    } catch (e) {
      setErr(error(e));
    }
  }

  const pinned = chat.pinnedMessageId === m.id;
  async function pin() {
    try {
      await api.put(paths.pin(chat.id), null, { messageId: pinned ? null : m.id });
    } catch (e) {
      setErr(error(e));
    }
  }

  async function remove() {
    if (!window.confirm(t('message.confirmDelete'))) return;
    try {
      await api.delete(paths.message(chat.id, m.id));
    } catch (e) {
      setErr(error(e));
    }
  }

  return (
    <article
      className={`msg ${mine ? 'mine' : ''} ${grouped ? 'grouped' : ''} ${highlighted ? 'highlight' : ''} ${deleted ? 'deleted' : ''}`}
      aria-label={`${m.author.name}, ${time(m.createdAt)}`}
      data-message-id={m.id}
      data-seq={m.seq}
      tabIndex={0}
    >
      {!grouped ? <Avatar id={m.author.personId} name={m.author.name} photo={photo ?? null} size={36} /> : <span className="avatar-space" aria-hidden="true" />}
      <div className="msg-body">
        {!grouped && (
          <div className="msg-meta">
            <span className="msg-author">{shortName(m.author.name)}</span>
            {whose && <span className="muted small whose">({whose})</span>}
            {m.author.isBot ? <BotBadge /> : m.author.isStaff && <TeacherBadge label={t('role.teacherBadge')} />}
            <time dateTime={m.createdAt} className="muted small">
              {time(m.createdAt)}
            </time>
          </div>
        )}
        {m.urgent && !deleted && (
          <p className="urgent-badge small" data-urgent>
            <strong>{t('urgent.badge')}</strong> {m.urgent.reason}
          </p>
        )}
        {m.forwardedFrom && <p className="small muted">{t('message.forwardedFrom', { name: m.forwardedFrom.authorName })}</p>}
        {m.replyTo && (
          <button type="button" className="reply-quote" onClick={() => onJump(m.replyTo!.id)}>
            <span className="reply-author">{shortName(m.replyTo.authorName)}</span>
            <span className="reply-text">{m.replyTo.text || t('message.attachment')}</span>
          </button>
        )}
        {deleted ? (
          <p className="msg-text muted">
            <em>{t('message.deleted')}</em>
          </p>
        ) : (
          <>
            {m.text && (
              <p className="msg-text">
                <MessageText text={m.text} entities={m.entities} myPersonId={myPersonId} />
              </p>
            )}
            {m.keyboard && m.author.isBot && <InlineKeyboardView message={m} keyboard={m.keyboard} />}
            {m.attachments.map((a) =>
              a.kind === 'meeting' || a.kind === 'poll' ? (
                <CardAttachment key={a.id} a={a} />
              ) : (
                <AttachmentView key={a.id} a={a} onOpen={() => setViewing(images.indexOf(a))} />
              ),
            )}
            {viewing !== null && (
              <Suspense fallback={null}>
                <ImageViewer images={images} index={viewing} onClose={() => setViewing(null)} />
              </Suspense>
            )}
          </>
        )}
        <div className="msg-foot">
          {grouped && (
            <time dateTime={m.createdAt} className="muted small">
              {time(m.createdAt)}
            </time>
          )}
          {m.editedAt && !deleted && <span className="muted small">{t('message.edited')}</span>}
          {channel && m.views !== null && <span className="muted small views">{plural('message.views', m.views)}</span>}
          {mine && showReceipts && !deleted && <ReceiptLine chat={chat} message={m} tick={tick} />}
        </div>
        {!deleted && <AckBar chat={chat} message={m} mine={mine} tick={tick} />}
        {m.reactions.length > 0 && (
          <div className="reactions">
            {m.reactions.map((r) => (
              <button
                key={r.emoji}
                type="button"
                className={`reaction ${r.userIds.includes(myUserId) ? 'on' : ''}`}
                aria-pressed={r.userIds.includes(myUserId)}
                aria-label={t('message.reactionCount', { emoji: r.emoji, n: r.count })}
                onClick={() => void react(r.emoji)}
              >
                {r.emoji} {r.count}
              </button>
            ))}
          </div>
        )}
        {err && (
          <p className="error small" role="alert">
            {err}
          </p>
        )}
      </div>
      {!deleted && (
        <div className="msg-actions" role="toolbar" aria-label={t('message.actions')}>
          {chat.canPost && (
            <button type="button" className="btn btn-ghost icon-only" aria-label={t('message.reply')} title={t('message.reply')} onClick={onReply}>
              <Icon name="reply" size={18} />
            </button>
          )}
          <button
            ref={reactButton}
            type="button"
            className="btn btn-ghost icon-only"
            aria-label={t('message.react')}
            title={t('message.react')}
            aria-expanded={picking}
            onClick={() => setPicking((p) => !p)}
          >
            <Icon name="smile" size={18} />
          </button>
          {mine && m.text && (
            <button type="button" className="btn btn-ghost icon-only" aria-label={t('message.edit')} title={t('message.edit')} onClick={onEdit}>
              <Icon name="edit" size={18} />
            </button>
          )}
          {(chat.isModerator || chat.kind === 'direct') && (
            <button
              type="button"
              className="btn btn-ghost icon-only"
              aria-label={pinned ? t('message.unpin') : t('message.pin')}
              title={pinned ? t('message.unpin') : t('message.pin')}
              aria-pressed={pinned}
              onClick={() => void pin()}
            >
              <Icon name="pin" size={18} />
            </button>
          )}
          {(mine || chat.isModerator) && (
            <button
              type="button"
              className="btn btn-ghost icon-only"
              aria-label={t('message.delete')}
              title={t('message.delete')}
              onClick={() => void remove()}
            >
              <Icon name="delete" size={18} />
            </button>
          )}
          {picking && <ReactionPicker anchor={reactButton} label={t('message.react')} onPick={(e) => void react(e)} onClose={closePicker} />}
        </div>
      )}
    </article>
  );
});

function ReceiptLine({ chat, message, tick }: { chat: Chat; message: Message; tick: number }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const r = useReceipts(chat, message, true, tick);
  if (!r || r.memberCount === 0) return null;
  return (
    <span className="receipts">
      <button
        type="button"
        className="link-btn small"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
        data-receipts={`${r.readCount}/${r.memberCount}`}
      >
        <Icon name="check" size={14} /> {t('message.readBy', { n: r.readCount, m: r.memberCount })}
      </button>
      {open && (
        <span className="receipts-pop" role="dialog" aria-label={t('message.notRead')}>
          <strong>{t('message.notRead')}</strong>
          {r.notRead.length === 0 ? (
            r.notConnected.length === 0 && <span>{t('message.everyoneRead')}</span>
          ) : (
            <ul className="plain">
              {r.notRead.map((p) => (
                <li key={p.personId}>{p.name}</li>
              ))}
            </ul>
          )}
          {r.notConnected.length > 0 && (
            <>
              <strong data-receipts-not-connected={r.notConnected.length}>{t('audience.notConnected', { n: r.notConnected.length })}</strong>
              <ul className="plain muted">
                {r.notConnected.map((p) => (
                  <li key={p.personId}>{p.name}</li>
                ))}
              </ul>
            </>
          )}
        </span>
      )}
    </span>
  );
}

/** Images show a preview that opens the viewer; other files a download button. Both are fetched with the session (never public links). */
function AttachmentView({ a, onOpen }: { a: MessageAttachment; onOpen: () => void }) {
  const { t, error, locale } = useI18n();
  const [src, setSrc] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const visual = a.kind === 'image' || a.kind === 'sticker';
  // A preview that failed offline is fetched again when the connection returns.
  const epoch = useStore(useEngine().liveEpoch);
  const retryKey = useRef(epoch);
  if (err && epoch !== retryKey.current) retryKey.current = epoch;
  const retry = retryKey.current;
  useEffect(() => {
    if (!visual) return;
    setErr(null);
    let url: string | null = null;
    let live = true;
    const src = a.kind === 'image' ? (a.thumbnailUrl ?? filePaths.thumbnail(a.id)) : (a.url ?? filePaths.download(a.id));
    api.blobUrl(src).then(
      (u) => {
        url = u;
        if (live) setSrc(u);
        else URL.revokeObjectURL(u);
      },
      () => live && setErr('x'),
    );
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [a.id, a.kind, a.url, a.thumbnailUrl, visual, retry]);

  async function download() {
    try {
      const url = await api.blobUrl(a.url ?? filePaths.download(a.id));
      const link = document.createElement('a');
      link.href = url;
      link.download = a.name;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      setErr(error(e));
    }
  }

  if (a.kind === 'sticker') {
    return src ? (
      <img className="sticker" src={src} alt={t('message.sticker')} width={128} height={128} />
    ) : (
      <span className="sticker sticker-empty" aria-label={t('message.sticker')} />
    );
  }
  if (a.kind === 'image') {
    const ratio = a.width && a.height ? a.height / a.width : 0.75;
    return (
      <button type="button" className="image-att" onClick={onOpen} aria-label={t('message.openImage', { name: a.name })}>
        {src ? (
          <img src={src} alt={a.name} style={{ aspectRatio: `${1 / ratio}` }} />
        ) : (
          <span className="image-ph" style={{ aspectRatio: `${1 / ratio}` }} aria-hidden="true" />
        )}
      </button>
    );
  }
  return (
    <div className="file-att">
      <Icon name="attach" size={18} />
      <button type="button" className="link-btn" onClick={() => void download()} aria-label={t('message.download', { name: a.name })} data-download={a.id}>
        {a.name}
      </button>
      <span className="muted small">{formatSize(a.size, locale)}</span>
      {err && <span className="error small">{err}</span>}
    </div>
  );
}

export function PendingRow({ item, onRetry, onDiscard }: { item: Outgoing; onRetry: () => void; onDiscard: () => void }) {
  const { t, time } = useI18n();
  return (
    <article className={`msg mine pending ${item.status}`} aria-label={t('outbox.pendingMessage')} data-client-id={item.clientId}>
      <span className="avatar-space" aria-hidden="true" />
      <div className="msg-body">
        <p className="msg-text">{item.text || t('message.attachment')}</p>
        <div className="msg-foot small">
          <Icon name="clock" size={14} />
          <span className="pending-state">
            {item.status === 'failed' ? t('outbox.failed') : item.status === 'sending' ? t('outbox.sending') : t('outbox.queued')} · {time(item.createdAt)}
          </span>
          {item.status === 'failed' && (
            <>
              <button type="button" className="link-btn" onClick={onRetry}>
                {t('common.retry')}
              </button>
              <button type="button" className="link-btn" onClick={onDiscard}>
                {t('outbox.discard')}
              </button>
            </>
          )}
        </div>
      </div>
    </article>
  );
}
