import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ChatMember, MessagePage, NotConnectedPerson, Receipts, type Chat, type Message } from '@parta/protocol';
import { z } from 'zod';
import { useEngine } from '../app/engine-context.ts';
import { api, currentMembership, meStore, schoolStore } from '../app/state.ts';
import { ApiError } from '../lib/api.ts';
import { useI18n } from '../i18n/index.ts';
import { useStore } from '../lib/store.ts';
import { navigate, useLocation } from '../lib/router.ts';
import { mergeMessages } from '../sync/messages.ts';
import { paths } from '../sync/paths.ts';
import type { Outgoing } from '../sync/outbox.ts';
import { chatTitle, isChannel } from '../ui/chat-format.ts';
import { Icon } from '../ui/kit.tsx';
import { VirtualList } from '../ui/VirtualList.tsx';
import { MessageRow, PendingRow } from '../ui/MessageRow.tsx';
import { Composer, type ComposerTarget } from '../ui/Composer.tsx';
import { MembersPanel } from '../ui/MembersPanel.tsx';
import { QuietAhead } from '../ui/QuietAhead.tsx';
import { PinnedBar } from '../ui/PinnedBar.tsx';
import { ChatBotsNotice } from '../bots/BotParts.tsx';
import { peerLine, whoseParent } from '../ui/names.ts';
import { MeetingsLink } from '../meetings/MeetingsLink.tsx';

export type Row =
  | { key: string; kind: 'day'; anchor: false; date: string }
  | { key: string; kind: 'msg'; message: Message; grouped: boolean }
  | { key: string; kind: 'pending'; item: Outgoing }
  | { key: string; kind: 'top'; anchor: false; loading: boolean; more: boolean };

const MemberList = z.object({ members: z.array(ChatMember), notConnected: z.array(NotConnectedPerson).default([]) });

/**
 * One chat: history, composer, members. `mode: 'meeting'` is the chat shown inside a meeting (the
 * meeting's own chat): no way back to the list and no meetings link, so reading and writing there
 * never takes anyone out of the call.
 */
export function ChatView({ chatId, mode }: { chatId: string; mode: 'chats' | 'channels' | 'meeting' }) {
  const i18n = useI18n();
  const { t, plural } = i18n;
  const engine = useEngine();
  const chats = useStore(engine.chats);
  const histories = useStore(engine.histories);
  const queue = useStore(engine.outbox);
  const sync = useStore(engine.sync);
  const ticks = useStore(engine.chatTicks);
  const notices = useStore(engine.notices);
  // What failed while offline (history, members) is loaded again when the connection returns.
  const epoch = useStore(engine.liveEpoch);
  const me = useStore(meStore);
  const schoolId = useStore(schoolStore);
  const myPersonId = currentMembership(me, schoolId)?.personId;
  const { query } = useLocation();
  const chat = chats?.find((c) => c.id === chatId) ?? null;
  const history = histories[chatId];
  const [teachersOnly, setTeachersOnly] = useState(false);
  const [teacherPage, setTeacherPage] = useState<Message[] | null>(null);
  const [target, setTarget] = useState<ComposerTarget>(null);
  const [members, setMembers] = useState<ChatMember[] | null>(null);
  const [notConnected, setNotConnected] = useState<NotConnectedPerson[]>([]);
  const [jump, setJump] = useState<{ key: string; nonce: number } | null>(null);
  const [highlight, setHighlight] = useState<string | null>(null);
  const [atBottom, setAtBottom] = useState(true);
  const [toBottom, setToBottom] = useState(0);
  const [showMembers, setShowMembers] = useState(false);
  const jumpedFor = useRef<string | null>(null);
  const [missing, setMissing] = useState(false);
  const listLoaded = chats !== null;
  const known = !!chat;

  // Not in my list (yet): a chat just opened, or an address followed from elsewhere.
  useEffect(() => {
    if (!listLoaded || known) return;
    let live = true;
    void engine.ensureChat(chatId).then((ok) => live && setMissing(!ok));
    return () => {
      live = false;
    };
  }, [listLoaded, known, chatId, engine]);

  useEffect(() => {
    if (!history?.loaded && !history?.loading) void engine.loadLatest(chatId);
  }, [chatId, engine, history?.loaded, history?.loading, epoch]);

  // Members: for mentions, names of typists and read receipts.
  useEffect(() => {
    let live = true;
    api.get(paths.members(chatId), MemberList).then(
      (r) => {
        if (!live) return;
        setMembers(r.members);
        setNotConnected(r.notConnected);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [chatId, chat?.memberCount, epoch]);

  // Arriving from search: load around the message and scroll to it.
  const wanted = query.get('m');
  const wantedSeq = Number(query.get('seq'));
  useEffect(() => {
    if (!wanted || jumpedFor.current === wanted) return;
    if (history?.messages.some((m) => m.id === wanted)) {
      jumpedFor.current = wanted;
      setJump({ key: wanted, nonce: Date.now() });
      setHighlight(wanted);
      setTimeout(() => setHighlight(null), 4000);
    } else if (history?.loaded && wantedSeq > 0) {
      void engine.loadAround(chatId, wantedSeq);
    }
  }, [wanted, wantedSeq, history, chatId, engine]);

  useEffect(() => {
    if (!teachersOnly) {
      setTeacherPage(null);
      return;
    }
    let live = true;
    api.get(`${paths.messages(chatId)}?teachersOnly=true&limit=200`, MessagePage).then(
      (p) => live && setTeacherPage(p.messages),
      () => live && setTeacherPage([]),
    );
    return () => {
      live = false;
    };
  }, [teachersOnly, chatId]);

  const messages = useMemo(() => {
    const all = history?.messages ?? [];
    if (!teachersOnly) return all;
    return mergeMessages(
      teacherPage ?? [],
      all.filter((m) => m.author.isStaff),
    );
  }, [history, teachersOnly, teacherPage]);

  const pending = useMemo(() => queue.filter((q) => q.chatId === chatId), [queue, chatId]);

  const rows = useMemo(() => {
    const out: Row[] = [];
    if (!teachersOnly) out.push({ key: 'top', kind: 'top', anchor: false, loading: !!history?.loading, more: !!history?.hasMoreBefore });
    let lastDay = '';
    let prev: Message | null = null;
    for (const m of messages) {
      const day = new Date(m.createdAt).toDateString();
      if (day !== lastDay) {
        out.push({ key: `d${day}`, kind: 'day', anchor: false, date: m.createdAt });
        lastDay = day;
        prev = null;
      }
      const grouped =
        !!prev && prev.author.personId === m.author.personId && !prev.deletedAt && Date.parse(m.createdAt) - Date.parse(prev.createdAt) < 5 * 60_000;
      out.push({ key: m.id, kind: 'msg', message: m, grouped });
      prev = m;
    }
    if (!teachersOnly) for (const p of pending) out.push({ key: `p${p.clientId}`, kind: 'pending', item: p });
    return out;
  }, [messages, pending, history?.loading, history?.hasMoreBefore, teachersOnly]);

  // Read up to the newest message while it is in view.
  const newestSeq = history?.messages.at(-1)?.seq ?? 0;
  useEffect(() => {
    if (!atBottom || !chat || newestSeq <= chat.lastReadSeq || document.visibilityState !== 'visible') return;
    void engine.markRead(chatId, newestSeq);
  }, [atBottom, newestSeq, chat, chatId, engine]);

  const onNearTop = useCallback(() => {
    if (!teachersOnly) void engine.loadOlder(chatId);
  }, [engine, chatId, teachersOnly]);

  const photos = useMemo(() => new Map((members ?? []).map((m) => [m.personId, m.photo ?? null])), [members]);
  // «мама Егора» beside guardians' names where parents talk with the class (not in direct chats or channels).
  const kind = chat?.kind;
  const whose = useMemo(
    () =>
      new Map(
        kind === 'class' || kind === 'parents' || kind === 'parents_only' || kind === 'group'
          ? (members ?? []).map((m) => [m.personId, whoseParent(m, i18n.locale)])
          : [],
      ),
    [members, kind, i18n.locale],
  );
  const typing = useStore(engine.typing)[chatId]?.filter((x) => x.until > Date.now()) ?? [];
  const typingNames = typing.map((x) => members?.find((m) => m.userId === x.userId)?.name).filter(Boolean) as string[];

  if (!chat) {
    return (
      <div className="center muted">
        <p>{missing ? t('chat.notFound') : t('common.loading')}</p>
      </div>
    );
  }
  const title = chatTitle(chat, t);
  // The chat says whether its authors see receipts; where it does not, the server refuses them: never ask.
  const showReceipts = chat.receipts === true;
  const chatNotices = notices.filter((n) => n.chatId === chatId);
  const direct = chat.kind === 'direct';
  const peer = direct ? peerLine(chat.peer, chat.title ?? '', t, i18n.locale) : null;
  const back = mode === 'channels' ? '/channels' : '/chats';

  return (
    <div className={`chat ${isChannel(chat.kind) ? 'chat-channel' : ''}`}>
      <header className="chat-head">
        {mode !== 'meeting' && (
          <a
            className="btn btn-ghost icon-only back"
            href={back}
            aria-label={t('common.back')}
            onClick={(e) => {
              e.preventDefault();
              navigate(back);
            }}
          >
            <Icon name="back" />
          </a>
        )}
        <div className="chat-head-title">
          <h2>{title}</h2>
          {direct && peer && <p className="muted small chat-peer">{peer}</p>}
          <button type="button" className="link-btn muted small" aria-expanded={showMembers} onClick={() => setShowMembers((v) => !v)}>
            {plural('chat.members', chat.memberCount)}
            {(chat.notConnected ?? 0) > 0 && (
              <span data-not-connected-count={chat.notConnected}>{` · ${t('audience.notConnectedShort', { n: chat.notConnected ?? 0 })}`}</span>
            )}
          </button>
        </div>
        {/* One-to-one: a call, not a meetings page; and no "teachers only" filter between two people. */}
        {mode !== 'meeting' && (direct ? <CallButton chatId={chat.id} /> : <MeetingsLink chatId={chat.id} />)}
        {!direct && (
          <button
            type="button"
            className={`btn btn-secondary toggle ${teachersOnly ? 'on' : ''}`}
            aria-pressed={teachersOnly}
            onClick={() => setTeachersOnly((v) => !v)}
          >
            <span className="teacher-badge" aria-hidden="true">
              <svg viewBox="0 0 24 24" width="16" height="16">
                <path fill="currentColor" d="M12 3 1 8.5 12 14l9-4.5V16h2V8.5L12 3zm-6.5 8.8V16c0 1.9 2.9 3.5 6.5 3.5s6.5-1.6 6.5-3.5v-4.2L12 15.1l-6.5-3.3z" />
              </svg>
            </span>
            <span className="toggle-label">{t('chat.teachersOnly')}</span>
          </button>
        )}
      </header>
      <ChatBotsNotice chatId={chat.id} />
      <PinnedBar
        chat={chat}
        loaded={history?.messages ?? []}
        onOpen={(m) => {
          if (history?.messages.some((x) => x.id === m.id)) {
            setJump({ key: m.id, nonce: Date.now() });
            setHighlight(m.id);
            setTimeout(() => setHighlight(null), 4000);
          } else {
            jumpedFor.current = null;
            navigate(`${mode === 'channels' ? '/channels' : '/chats'}/${chat.id}?m=${m.id}&seq=${m.seq}`, { replace: true });
          }
        }}
      />
      {showMembers && members && (
        <MembersPanel chat={chat} members={members} notConnected={notConnected} myUserId={me!.user.id} onClose={() => setShowMembers(false)} />
      )}
      {chatNotices.map((n) => (
        <div key={n.id} className="notice" role="status">
          <Icon name="clock" />
          <span>{n.text}</span>
          <button type="button" className="btn btn-ghost icon-only" aria-label={t('common.close')} onClick={() => engine.dismissNotice(n.id)}>
            <Icon name="close" size={16} />
          </button>
        </div>
      ))}
      {teachersOnly && teacherPage !== null && messages.length === 0 && <p className="muted pad">{t('chat.noTeacherMessages')}</p>}
      <VirtualList
        items={rows}
        label={t('chat.history', { title })}
        onNearTop={onNearTop}
        jumpTo={jump}
        onAtBottom={setAtBottom}
        toBottom={toBottom}
        className="history"
        render={(row) => {
          switch (row.kind) {
            case 'top':
              return <div className="history-top muted small">{row.loading ? t('common.loading') : row.more ? '' : t('chat.start')}</div>;
            case 'day':
              return (
                <div className="day-sep" role="separator">
                  <span>{i18n.day(row.date)}</span>
                </div>
              );
            case 'pending':
              return <PendingRow item={row.item} onRetry={() => engine.retry(row.item.clientId)} onDiscard={() => engine.discard(row.item.clientId)} />;
            case 'msg':
              return (
                <MessageRow
                  chat={chat}
                  message={row.message}
                  grouped={row.grouped}
                  highlighted={highlight === row.message.id}
                  myUserId={me!.user.id}
                  myPersonId={myPersonId}
                  photo={photos.get(row.message.author.personId)}
                  whose={whose.get(row.message.author.personId)}
                  showReceipts={showReceipts}
                  tick={ticks[chatId] ?? 0}
                  onReply={() => setTarget({ kind: 'reply', message: row.message })}
                  onEdit={() => setTarget({ kind: 'edit', message: row.message })}
                  onJump={(id) => {
                    setJump({ key: id, nonce: Date.now() });
                    setHighlight(id);
                  }}
                />
              );
          }
        }}
      />
      {!atBottom && (
        <button type="button" className="btn btn-secondary to-bottom" onClick={() => setToBottom((n) => n + 1)} aria-label={t('chat.toNewest')}>
          ↓
        </button>
      )}
      <p className="typing small muted" aria-live="polite">
        {typingNames.length ? t('chat.typing', { names: typingNames.join(', ') }) : ''}
      </p>
      {chat.canPost ? (
        <>
          <QuietAhead chat={chat} />
          <Composer
            chat={chat}
            members={members ?? []}
            target={target}
            onTargetDone={() => setTarget(null)}
            onSent={() => setToBottom((n) => n + 1)}
            offline={sync.status !== 'live'}
          />
        </>
      ) : (
        <p className="readonly muted small">{t('chat.readOnly')}</p>
      )}
    </div>
  );
}

export function useReceipts(chat: Chat, message: Message, enabled: boolean, tick: number) {
  const [receipts, setReceipts] = useState<z.infer<typeof Receipts> | null>(null);
  const [refused, setRefused] = useState(false);
  const complete = !!receipts && receipts.readCount >= receipts.memberCount;
  useEffect(() => {
    if (!enabled || refused) return;
    let live = true;
    const load = () => {
      if (document.visibilityState !== 'visible') return;
      api.get(paths.receipts(chat.id, message.id), Receipts).then(
        (r) => live && setReceipts(r),
        // A refusal (4xx) is final for this message: asking again would be refused again.
        (e: unknown) => live && e instanceof ApiError && !e.isNetwork && e.status < 500 && setRefused(true),
      );
    };
    load();
    // Others' read markers are not in the author's stream: while the message is shown and not read
    // by everyone, ask again every few seconds (only rows in view exist, so this stays small).
    const id = complete ? null : setInterval(load, 4000);
    return () => {
      live = false;
      if (id) clearInterval(id);
    };
  }, [chat.id, message.id, enabled, tick, complete, refused]);
  return receipts;
}

/** A direct chat's call: starts (or joins) the chat's call and opens it. */
function CallButton({ chatId }: { chatId: string }) {
  const { t, error } = useI18n();
  const [err, setErr] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        className="btn btn-secondary"
        data-call
        onClick={() =>
          void api.post(`/api/v1/chats/${chatId}/call`, z.object({ id: z.string() })).then(
            (m) => navigate(`/meetings/${m.id}`),
            (e: unknown) => setErr(error(e)),
          )
        }
      >
        {t('chat.callNow')}
      </button>
      {err && (
        <span className="error small" role="alert">
          {err}
        </span>
      )}
    </>
  );
}
