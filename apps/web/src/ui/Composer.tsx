import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { z } from 'zod';
import { Message, SentMessage, UrgentBudget, UrgentMark, type Chat, type ChatMember } from '@parta/protocol';
import { api } from '../app/state.ts';
import { useEngine } from '../app/engine-context.ts';
import { useI18n } from '../i18n/index.ts';
import { paths } from '../sync/paths.ts';
import { Icon } from './kit.tsx';
import { StickerPicker } from './StickerPicker.tsx';
import { uploadFile } from './upload.ts';
import { formatSize } from './size.ts';
import { nameInCase } from './names.ts';
import { shortName } from './chat-format.ts';
import { placeMentions } from './mentions.ts';
import { AskAckToggle, askWhenSent } from '../meetings/AckBar.tsx';

export type ComposerTarget = { kind: 'reply' | 'edit'; message: z.infer<typeof Message> } | null;

interface Upload {
  key: string;
  name: string;
  size: number;
  progress: number;
  id: string | null;
  error: string | null;
}

export function Composer({
  chat,
  members,
  target,
  onTargetDone,
  onSent,
  offline,
}: {
  chat: Chat;
  members: ChatMember[];
  target: ComposerTarget;
  onTargetDone: () => void;
  /** A new message of mine went out (or into the queue): the history goes to the bottom to show it. */
  onSent?: () => void;
  offline: boolean;
}) {
  const { t, error, locale: i18nLocale } = useI18n();
  const engine = useEngine();
  const [askAck, setAskAck] = useState(false);
  const [text, setText] = useState('');
  const [chosen, setChosen] = useState<{ label: string; personId: string }[]>([]);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [err, setErr] = useState<string | null>(null);
  const [stickers, setStickers] = useState(false);
  const [mention, setMention] = useState<{ query: string; start: number; active: number } | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const lastTyping = useRef(0);
  const draftKey = `parta.draft.${chat.id}`;
  // «Срочно» (teachers and admins): past quiet hours, with a reason, a few a day.
  const [budget, setBudget] = useState<UrgentBudget | null>(null);
  const [urgent, setUrgent] = useState<{ reason: string } | null>(null);
  useEffect(() => {
    setUrgent(null);
    let live = true;
    api.get(`/api/v1/chats/${chat.id}/urgent-budget`, UrgentBudget).then(
      (b) => live && setBudget(b),
      () => live && setBudget(null),
    );
    return () => {
      live = false;
    };
  }, [chat.id]);

  useEffect(() => {
    setText(sessionStorage.getItem(draftKey) ?? '');
  }, [draftKey]);
  useEffect(() => {
    if (target?.kind === 'edit') setText(target.message.text);
    if (target) area.current?.focus();
  }, [target]);

  const candidates = mention
    ? members
        .filter((m) =>
          m.name
            .toLocaleLowerCase()
            .split(' ')
            .some((w) => w.startsWith(mention.query.toLocaleLowerCase())),
        )
        .slice(0, 6)
    : [];

  function change(value: string, caret: number) {
    setText(value);
    if (target?.kind !== 'edit') sessionStorage.setItem(draftKey, value);
    const m = /(^|\s)@([\p{L}-]{0,30})$/u.exec(value.slice(0, caret));
    setMention(m ? { query: m[2]!, start: caret - m[2]!.length - 1, active: 0 } : null);
    if (Date.now() - lastTyping.current > 4000 && value) {
      lastTyping.current = Date.now();
      engine.sendTyping(chat.id);
    }
  }

  function pick(member: ChatMember) {
    if (!mention) return;
    const label = `@${shortName(member.name)}`;
    const before = text.slice(0, mention.start);
    const after = text.slice(mention.start + 1 + mention.query.length);
    const next = `${before}${label} ${after}`;
    setText(next);
    setChosen((c) => [...c, { label, personId: member.personId }]);
    setMention(null);
    requestAnimationFrame(() => {
      const pos = before.length + label.length + 1;
      area.current?.setSelectionRange(pos, pos);
      area.current?.focus();
    });
  }

  async function submit() {
    setErr(null);
    const body = text.trim();
    const ready = uploads.filter((u) => u.id).map((u) => u.id!);
    if (uploads.some((u) => !u.id && !u.error)) {
      setErr(t('composer.waitUploads'));
      return;
    }
    if (!body && ready.length === 0) return;
    if (target?.kind === 'edit') {
      try {
        const updated = await api.patch(paths.message(chat.id, target.message.id), Message, { text: body });
        engine.received(updated);
        setText('');
        onTargetDone();
      } catch (e) {
        setErr(error(e));
      }
      return;
    }
    if (urgent) {
      await sendUrgent(body, ready);
      return;
    }
    const clientId = engine.write({
      chatId: chat.id,
      text: body,
      ...(target?.kind === 'reply' ? { replyToId: target.message.id } : {}),
      ...(ready.length ? { attachments: ready } : {}),
      mentions: placeMentions(body, chosen),
    });
    if (askAck) askWhenSent(engine, chat.id, clientId);
    setAskAck(false);
    setText('');
    setChosen([]);
    setUploads([]);
    sessionStorage.removeItem(draftKey);
    onTargetDone();
    onSent?.();
  }

  /** An urgent message is sent at once (not queued offline), then marked with its reason. */
  async function sendUrgent(body: string, ready: string[]) {
    const reason = urgent!.reason.trim();
    if (!reason) {
      setErr(t('urgent.needReason'));
      return;
    }
    try {
      const sent = await api.post(paths.messages(chat.id), SentMessage, {
        clientId: `u-${crypto.randomUUID()}`,
        text: body,
        ...(target?.kind === 'reply' ? { replyToId: target.message.id } : {}),
        ...(ready.length ? { attachments: ready } : {}),
        mentions: placeMentions(body, chosen),
      });
      engine.received(sent);
      onSent?.();
      setText('');
      setChosen([]);
      setUploads([]);
      sessionStorage.removeItem(draftKey);
      onTargetDone();
      const mark = await api.post(`${paths.message(chat.id, sent.id)}/urgent`, UrgentMark, { reason });
      setBudget((b) => (b ? { ...b, usedToday: mark.usedToday, perDay: mark.perDay } : b));
      setUrgent(null);
    } catch (e) {
      setErr(error(e));
    }
  }

  function onKey(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (mention && candidates.length) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const d = e.key === 'ArrowDown' ? 1 : -1;
        setMention({ ...mention, active: (mention.active + d + candidates.length) % candidates.length });
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        pick(candidates[mention.active]!);
        return;
      }
      if (e.key === 'Escape') {
        setMention(null);
        return;
      }
    }
    if (e.key === 'Escape' && target) {
      onTargetDone();
      setText('');
      return;
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void submit();
    }
  }

  function addFiles(files: FileList | null) {
    if (!files) return;
    for (const file of Array.from(files).slice(0, 10)) {
      const key = `${file.name}-${file.size}-${Math.random()}`;
      setUploads((u) => [...u, { key, name: file.name, size: file.size, progress: 0, id: null, error: null }]);
      uploadFile(chat.id, file, (p) => setUploads((u) => u.map((x) => (x.key === key ? { ...x, progress: p } : x)))).then(
        (res) => setUploads((u) => u.map((x) => (x.key === key ? { ...x, id: res.id, progress: 1 } : x))),
        (e) => setUploads((u) => u.map((x) => (x.key === key ? { ...x, error: error(e) } : x))),
      );
    }
  }

  function sendSticker(id: string) {
    setStickers(false);
    engine.write({ chatId: chat.id, text: '', sticker: id });
  }

  const listId = `mentions-${chat.id}`;
  return (
    <div className="composer">
      {target && (
        <div className="composer-target">
          <Icon name={target.kind === 'reply' ? 'reply' : 'edit'} size={16} />
          <span className="small">
            {target.kind === 'reply'
              ? t('composer.replyToMessage', {
                  name: i18nLocale === 'ru' ? nameInCase(target.message.author.name, 'genitive') : shortName(target.message.author.name),
                })
              : t('composer.editing')}
            {': '}
            <span className="muted">{target.message.text.slice(0, 80)}</span>
          </span>
          <button
            type="button"
            className="btn btn-ghost icon-only"
            aria-label={t('common.cancel')}
            onClick={() => {
              onTargetDone();
              if (target.kind === 'edit') setText('');
            }}
          >
            <Icon name="close" size={16} />
          </button>
        </div>
      )}
      {uploads.length > 0 && (
        <ul className="uploads plain">
          {uploads.map((u) => (
            <li key={u.key} className="upload" data-uploaded={u.id ? 'yes' : 'no'}>
              <span className="upload-name">{u.name}</span>
              <span className="muted small">{formatSize(u.size, i18nLocale)}</span>
              {u.error ? (
                <span className="error small">{u.error}</span>
              ) : (
                <progress max={1} value={u.progress} aria-label={t('composer.uploading', { name: u.name })} />
              )}
              <button
                type="button"
                className="btn btn-ghost icon-only"
                aria-label={t('composer.removeFile', { name: u.name })}
                onClick={() => setUploads((x) => x.filter((y) => y.key !== u.key))}
              >
                <Icon name="close" size={16} />
              </button>
            </li>
          ))}
        </ul>
      )}
      {mention && candidates.length > 0 && (
        <ul className="mention-list plain" role="listbox" id={listId} aria-label={t('composer.mention')}>
          {candidates.map((c, i) => (
            <li
              key={c.personId}
              role="option"
              aria-selected={i === mention.active}
              className={i === mention.active ? 'active' : ''}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(c);
              }}
            >
              {c.name}
            </li>
          ))}
        </ul>
      )}
      {stickers && <StickerPicker onPick={sendSticker} onClose={() => setStickers(false)} />}
      {urgent && budget && (
        <div className="urgent-box" data-urgent-box>
          <label className="small" htmlFor={`urgent-${chat.id}`}>
            {t('urgent.reason')}
          </label>
          <input
            id={`urgent-${chat.id}`}
            data-urgent-reason
            maxLength={200}
            value={urgent.reason}
            placeholder={t('urgent.reasonPlaceholder')}
            onChange={(e) => setUrgent({ reason: e.target.value })}
          />
          <span className="muted small" data-urgent-left={budget.perDay - budget.usedToday}>
            {t('urgent.left', { n: Math.max(0, budget.perDay - budget.usedToday), m: budget.perDay })}
          </span>
        </div>
      )}
      {err && (
        <p className="error small" role="alert">
          {err}
        </p>
      )}
      <AskAckToggle chat={chat} on={askAck} onChange={setAskAck} />
      <div className="composer-row">
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          onChange={(e) => {
            addFiles(e.target.files);
            e.target.value = '';
          }}
          aria-hidden="true"
          tabIndex={-1}
          data-testid="file-input"
        />
        <button
          type="button"
          className="btn btn-ghost icon-only"
          aria-label={t('composer.attach')}
          title={t('composer.attach')}
          disabled={offline}
          onClick={() => fileInput.current?.click()}
        >
          <Icon name="attach" />
        </button>
        <button
          type="button"
          className="btn btn-ghost icon-only"
          aria-label={t('composer.stickers')}
          title={t('composer.stickers')}
          aria-expanded={stickers}
          onClick={() => setStickers((s) => !s)}
        >
          <Icon name="sticker" />
        </button>
        {budget?.allowed && target?.kind !== 'edit' && (
          <button
            type="button"
            className={`btn btn-ghost small urgent-toggle${urgent ? ' on' : ''}`}
            aria-pressed={!!urgent}
            data-urgent-toggle
            disabled={offline || (!urgent && budget.usedToday >= budget.perDay)}
            title={budget.usedToday >= budget.perDay ? t('urgent.none') : t('urgent.explain')}
            onClick={() => setUrgent((u) => (u ? null : { reason: '' }))}
          >
            {t('urgent.toggle')}
          </button>
        )}
        <label className="sr-only" htmlFor={`composer-${chat.id}`}>
          {t('composer.label')}
        </label>
        <textarea
          ref={area}
          id={`composer-${chat.id}`}
          rows={1}
          value={text}
          maxLength={4096}
          placeholder={offline ? t('composer.placeholderOffline') : t('composer.placeholder')}
          onChange={(e) => change(e.target.value, e.target.selectionStart)}
          onKeyDown={onKey}
          aria-autocomplete="list"
          aria-controls={mention && candidates.length ? listId : undefined}
          aria-activedescendant={undefined}
        />
        <button
          type="button"
          className="btn btn-primary icon-only send"
          aria-label={target?.kind === 'edit' ? t('composer.save') : t('composer.send')}
          onClick={() => void submit()}
        >
          <Icon name={target?.kind === 'edit' ? 'check' : 'send'} />
        </button>
      </div>
    </div>
  );
}
