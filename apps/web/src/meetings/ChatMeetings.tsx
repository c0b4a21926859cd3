import { useEffect, useState } from 'react';
import { Chat, Meeting } from '@parta/protocol';
import { z } from 'zod';
import { api, currentMembership, meStore, schoolStore } from '../app/state.ts';
import { useStore } from '../lib/store.ts';
import { navigate } from '../lib/router.ts';
import { useMt } from './i18n.ts';
import { MeetingCard } from './Cards.tsx';
import { NewPoll, PollList, PollView } from './Polls.tsx';
import { Consultations } from './Consultations.tsx';

const MeetingList = z.object({ meetings: z.array(Meeting) });

/** A chat's meetings and polls: schedule (teachers), start a call (direct chats and groups), create a poll. */
export default function ChatMeetings({ chatId }: { chatId: string }) {
  const { mt, error, t } = useMt();
  const me = useStore(meStore);
  const schoolId = useStore(schoolStore);
  const isStaff = !!currentMembership(me, schoolId)?.roles.some((r) => r === 'teacher' || r === 'admin');
  const [chat, setChat] = useState<Chat | null>(null);
  const [meetings, setMeetings] = useState<Meeting[]>([]);
  const [polls, setPolls] = useState<z.infer<typeof PollList>['polls']>([]);
  const [err, setErr] = useState<unknown>(null);
  const [title, setTitle] = useState('');
  const [agenda, setAgenda] = useState('');
  const [start, setStart] = useState('');
  const [duration, setDuration] = useState(45);

  const load = () => {
    api.get(`/api/v1/chats/${chatId}`, Chat).then(setChat, setErr);
    api.get(`/api/v1/chats/${chatId}/meetings`, MeetingList).then((r) => setMeetings(r.meetings), setErr);
    api.get(`/api/v1/chats/${chatId}/polls`, PollList).then((r) => setPolls(r.polls), setErr);
  };
  useEffect(load, [chatId]);

  const schedule = async (e: React.FormEvent) => {
    e.preventDefault();
    setErr(null);
    try {
      await api.post(`/api/v1/chats/${chatId}/meetings`, Meeting, {
        title,
        agenda: agenda
          .split('\n')
          .map((s) => s.trim())
          .filter(Boolean),
        startsAt: new Date(start).toISOString(),
        durationMinutes: duration,
      });
      setTitle('');
      setAgenda('');
      load();
    } catch (e2) {
      setErr(e2);
    }
  };
  const call = async () => {
    try {
      const m = await api.post(`/api/v1/chats/${chatId}/call`, Meeting);
      navigate(`/meetings/${m.id}`);
    } catch (e2) {
      setErr(e2);
    }
  };

  return (
    <main id="main" className="meetings-page">
      <header className="chat-head">
        <a
          className="btn btn-ghost"
          href={`/chats/${chatId}`}
          onClick={(e) => {
            e.preventDefault();
            navigate(`/chats/${chatId}`);
          }}
        >
          {t('common.back')}
        </a>
        <h2>
          {mt('m.meetings')}
          {chat?.title ? ` — ${chat.title}` : ''}
        </h2>
      </header>
      {err !== null && <p role="alert">{error(err)}</p>}
      {chat && (chat.kind === 'direct' || chat.kind === 'group') && (
        <button type="button" className="btn btn-primary" onClick={() => void call()}>
          {mt('m.call')}
        </button>
      )}
      {isStaff && chat && chat.kind !== 'direct' && (
        <form className="stack meeting-form" onSubmit={(e) => void schedule(e)}>
          <h3>{mt('m.schedule')}</h3>
          <label>
            {mt('m.title')}
            <input name="title" value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={200} />
          </label>
          <label>
            {mt('m.agenda')}
            <textarea name="agenda" value={agenda} onChange={(e) => setAgenda(e.target.value)} rows={3} />
          </label>
          <label>
            {mt('m.start')}
            <input name="start" type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} required />
          </label>
          <label>
            {mt('m.duration')}
            <input name="duration" type="number" min={5} max={600} value={duration} onChange={(e) => setDuration(Number(e.target.value))} />
          </label>
          <button className="btn btn-primary" type="submit">
            {mt('m.create')}
          </button>
        </form>
      )}
      <section aria-label={mt('m.open')} className="stack">
        {meetings.map((m) => (
          <MeetingCard key={m.id} meetingId={m.id} />
        ))}
      </section>
      {chat && <Consultations chat={chat} isStaff={isStaff} />}
      <section aria-label={mt('m.polls')} className="stack">
        <h3>{mt('m.polls')}</h3>
        {chat?.canPost && <NewPoll path={`/api/v1/chats/${chatId}/polls`} onCreated={load} />}
        {polls.map((p) => (
          <PollView key={p.id} pollId={p.id} initial={p} />
        ))}
      </section>
    </main>
  );
}
