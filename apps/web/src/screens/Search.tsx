import { useEffect, useState, type FormEvent } from 'react';
import { SearchResults, type Message } from '@parta/protocol';
import { api } from '../app/state.ts';
import { useEngine } from '../app/engine-context.ts';
import { useI18n } from '../i18n/index.ts';
import { useStore } from '../lib/store.ts';
import { navigate, useLocation } from '../lib/router.ts';
import { paths } from '../sync/paths.ts';
import { chatTitle, isChannel, shortName } from '../ui/chat-format.ts';
import { Button, TeacherBadge } from '../ui/kit.tsx';
import { Marked, searchTerms } from '../ui/MessageText.tsx';

/** Full-text search over my chats; a result opens the chat at that message. */
export default function Search() {
  const { t, error, day, time } = useI18n();
  const engine = useEngine();
  const chats = useStore(engine.chats);
  const { query } = useLocation();
  const [q, setQ] = useState(query.get('q') ?? '');
  const [chatId, setChatId] = useState('');
  const [teachersOnly, setTeachersOnly] = useState(false);
  const [hasAttachment, setHasAttachment] = useState(false);
  const [results, setResults] = useState<Message[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const [asked, setAsked] = useState(query.get('q') ?? '');

  async function run(text: string) {
    if (!text.trim()) return;
    setBusy(true);
    setErr(null);
    const params = new URLSearchParams({ q: text.trim() });
    if (chatId) params.set('chatId', chatId);
    if (teachersOnly) params.set('teachersOnly', 'true');
    if (hasAttachment) params.set('hasAttachment', 'true');
    try {
      const r = await api.get(`${paths.search()}?${params}`, SearchResults);
      setResults(r.messages);
      setAsked(text.trim());
      history.replaceState(null, '', `/search?q=${encodeURIComponent(text.trim())}`);
    } catch (e) {
      setErr(error(e));
    } finally {
      setBusy(false);
    }
  }

  // Search again when a filter changes (and at once when opened with ?q=).
  const filters = `${chatId}|${teachersOnly}|${hasAttachment}`;
  useEffect(() => {
    if (q.trim()) void run(q);
  }, [filters]);

  const terms = searchTerms(asked);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void run(q);
  };
  return (
    <main className="page" id="main">
      <h1>{t('search.title')}</h1>
      <form className="search-form" onSubmit={onSubmit} role="search">
        <label className="sr-only" htmlFor="search-q">
          {t('search.label')}
        </label>
        <input id="search-q" type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder={t('search.placeholder')} autoFocus />
        <Button type="submit" busy={busy}>
          {t('search.go')}
        </Button>
      </form>
      <div className="filters">
        <label>
          <span className="sr-only">{t('search.inChat')}</span>
          <select value={chatId} onChange={(e) => setChatId(e.target.value)} aria-label={t('search.inChat')}>
            <option value="">{t('search.allChats')}</option>
            {chats?.map((c) => (
              <option key={c.id} value={c.id}>
                {chatTitle(c, t)}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={teachersOnly} onChange={(e) => setTeachersOnly(e.target.checked)} /> {t('chat.teachersOnly')}
        </label>
        <label className="check">
          <input type="checkbox" checked={hasAttachment} onChange={(e) => setHasAttachment(e.target.checked)} /> {t('search.withFiles')}
        </label>
      </div>
      {err && (
        <p className="error" role="alert">
          {err}
        </p>
      )}
      <div aria-live="polite">{results && <p className="muted">{results.length ? t('search.found', { n: results.length }) : t('search.none')}</p>}</div>
      <ul className="results plain">
        {results?.map((m) => {
          const chat = chats?.find((c) => c.id === m.chatId);
          const base = chat && isChannel(chat.kind) ? '/channels' : '/chats';
          const href = `${base}/${m.chatId}?m=${m.id}&seq=${m.seq}`;
          return (
            <li key={m.id}>
              <a
                className="result"
                href={href}
                onClick={(e) => {
                  e.preventDefault();
                  navigate(href);
                }}
              >
                <span className="result-top">
                  <span className="result-chat">{chat ? chatTitle(chat, t) : ''}</span>
                  <time className="muted small" dateTime={m.createdAt}>
                    {day(m.createdAt)}, {time(m.createdAt)}
                  </time>
                </span>
                <span className="result-author">
                  {shortName(m.author.name)} {m.author.isStaff && <TeacherBadge label={t('role.teacherBadge')} />}
                </span>
                <span className="result-text">
                  <Marked text={m.text} terms={terms} />
                </span>
              </a>
            </li>
          );
        })}
      </ul>
    </main>
  );
}
