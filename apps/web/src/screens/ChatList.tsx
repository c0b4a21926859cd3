import { useMemo, useState } from 'react';
import type { Chat } from '@parta/protocol';
import { useEngine } from '../app/engine-context.ts';
import { useI18n } from '../i18n/index.ts';
import { useStore } from '../lib/store.ts';
import { navigate } from '../lib/router.ts';
import { currentMembership, meStore, schoolStore } from '../app/state.ts';
import { mentions } from '../sync/messages.ts';
import { chatTitle, isChannel, preview, shortName } from '../ui/chat-format.ts';

type Item = { chat: Chat; title: string };
const activity = (c: Chat) => c.lastMessage?.createdAt ?? c.createdAt;
const byAttention = (a: Item, b: Item) => activity(b.chat).localeCompare(activity(a.chat));

export function ChatList({ mode, activeId }: { mode: 'chats' | 'channels'; activeId: string | null }) {
  const { t, plural, time, day } = useI18n();
  const engine = useEngine();
  const chats = useStore(engine.chats);
  const queue = useStore(engine.outbox);
  const me = useStore(meStore);
  const schoolId = useStore(schoolStore);
  const membership = currentMembership(me, schoolId);
  const personId = membership?.personId;
  const mayGroup =
    mode === 'chats' && !!membership && (membership.roles.includes('admin') || membership.classes.some((c) => c.as === 'teacher' || c.as === 'class_teacher'));
  const [filter, setFilter] = useState('');

  const groups = useMemo(() => {
    const q = filter.trim().toLocaleLowerCase();
    const list = (chats ?? [])
      .filter((c) => (mode === 'channels' ? isChannel(c.kind) : true))
      .filter((c) => !schoolId || c.schoolId === schoolId)
      .map((c) => ({ chat: c, title: chatTitle(c, t) }))
      .filter(({ chat, title }) => !q || title.toLocaleLowerCase().includes(q) || (chat.lastMessage?.text ?? '').toLocaleLowerCase().includes(q))
      .sort(byAttention);
    // One list: unread chats first, then by the latest activity (a parent's direct message is not
    // put away in a section at the bottom).
    const unread = list.filter((x) => x.chat.unreadCount > 0);
    const read = list.filter((x) => x.chat.unreadCount === 0);
    return [...(unread.length ? [{ section: 'unread' as const, items: unread }] : []), ...(read.length ? [{ section: 'all' as const, items: read }] : [])];
  }, [chats, filter, mode, schoolId, t]);

  const base = mode === 'channels' ? '/channels' : '/chats';
  return (
    <div className="chatlist">
      <div className="chatlist-filter">
        <label className="sr-only" htmlFor="chat-filter">
          {t('chats.filter')}
        </label>
        <input id="chat-filter" type="search" placeholder={t('chats.filter')} value={filter} onChange={(e) => setFilter(e.target.value)} />
        {mayGroup && (
          <a
            href="/groups/new"
            className="btn btn-secondary new-group"
            onClick={(e) => {
              if (e.metaKey || e.ctrlKey) return;
              e.preventDefault();
              navigate('/groups/new');
            }}
          >
            {t('chats.newGroup')}
          </a>
        )}
      </div>
      {chats === null && <p className="muted pad">{t('common.loading')}</p>}
      {chats !== null && groups.length === 0 && <p className="muted pad">{filter ? t('chats.nothingFound') : t('chats.empty')}</p>}
      {groups.map(({ section, items }) => (
        <section key={section} aria-labelledby={`sec-${section}`}>
          <h2 className="section-title" id={`sec-${section}`}>
            {t(`chats.section.${section}`)}
          </h2>
          <ul className="plain">
            {items.map(({ chat, title }) => {
              const m = chat.lastMessage;
              const mentioned = chat.unreadCount > 0 && !!m && mentions(m, personId);
              const pending = queue.filter((q) => q.chatId === chat.id).length;
              return (
                <li key={chat.id}>
                  <a
                    href={`${base}/${chat.id}`}
                    className={`chatrow ${chat.id === activeId ? 'active' : ''} ${chat.unreadCount ? 'unread' : ''}`}
                    aria-current={chat.id === activeId ? 'page' : undefined}
                    onClick={(e) => {
                      if (e.metaKey || e.ctrlKey) return;
                      e.preventDefault();
                      navigate(`${base}/${chat.id}`);
                    }}
                  >
                    <span className="chatrow-top">
                      <span className="chatrow-title">{title}</span>
                      {m && (
                        <time className="chatrow-time" dateTime={m.createdAt}>
                          {isToday(m.createdAt) ? time(m.createdAt) : day(m.createdAt)}
                        </time>
                      )}
                    </span>
                    <span className="chatrow-bottom">
                      <span className="chatrow-preview">
                        {m && !m.deletedAt && !isChannel(chat.kind) && chat.kind !== 'direct' && (
                          <span className="chatrow-author">{shortName(m.author.name)}: </span>
                        )}
                        {preview(m, t)}
                      </span>
                      {pending > 0 && (
                        <span className="badge badge-queue" title={plural('outbox.waiting', pending)}>
                          {pending}
                        </span>
                      )}
                      {mentioned && (
                        <span className="badge badge-mention" aria-label={t('chats.mentioned')}>
                          @
                        </span>
                      )}
                      {chat.unreadCount > 0 && (
                        <span className="badge" aria-label={plural('chats.unread', chat.unreadCount)}>
                          {chat.unreadCount > 999 ? '999+' : chat.unreadCount}
                        </span>
                      )}
                    </span>
                  </a>
                </li>
              );
            })}
          </ul>
        </section>
      ))}
    </div>
  );
}

function isToday(iso: string) {
  return new Date(iso).toDateString() === new Date().toDateString();
}
