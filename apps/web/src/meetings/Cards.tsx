import './meetings.css';
import { useEffect, useState } from 'react';
import { Meeting, type MessageAttachment } from '@parta/protocol';
import { api } from '../app/state.ts';
import { useEngine } from '../app/engine-context.ts';
import { useStore } from '../lib/store.ts';
import { navigate } from '../lib/router.ts';
import { useMt, type MeetingKey } from './i18n.ts';
import { PollView } from './Polls.tsx';
import { AgendaPanel } from './AgendaPanel.tsx';

/** A meeting's card in the chat: what, when, RSVP, join. */
export function MeetingCard({ meetingId, reminder }: { meetingId: string; reminder?: boolean }) {
  const { mt, error, date, time } = useMt();
  const [m, setM] = useState<Meeting | null>(null);
  const [err, setErr] = useState<unknown>(null);
  // Loaded again whenever the connection comes back (a card that failed offline recovers by itself).
  const epoch = useStore(useEngine().liveEpoch);
  useEffect(() => {
    let live = true;
    api.get(`/api/v1/meetings/${meetingId}`, Meeting).then(
      (x) => {
        if (!live) return;
        setM(x);
        setErr(null);
      },
      (e) => live && setErr(e),
    );
    return () => {
      live = false;
    };
  }, [meetingId, epoch]);
  if (!m) return err ? <p className="muted small">{error(err)}</p> : null;
  const rsvp = async (answer: 'yes' | 'no') => {
    try {
      setM(await api.post(`/api/v1/meetings/${m.id}/rsvp`, Meeting, { answer }));
    } catch (e) {
      setErr(e);
    }
  };
  const open = Date.now() >= Date.parse(m.opensAt) && m.status !== 'ended';
  return (
    <section className="meeting-card" data-meeting={m.id} aria-label={m.title}>
      {reminder && (
        <p className="small">
          <strong>{mt('m.reminder')}</strong>
        </p>
      )}
      <p className="muted small">
        {mt(`m.kind.${m.kind}` as MeetingKey)} · {mt(`m.status.${m.status}` as MeetingKey)}
      </p>
      <p>
        <strong>{m.kind === 'call' ? mt('m.kind.call') : m.title}</strong>
      </p>
      {m.kind !== 'call' && (
        <p className="small">
          {mt('m.starts', { when: `${date(m.startsAt, { day: 'numeric', month: 'long' })} ${time(m.startsAt)}`, minutes: m.durationMinutes })}
        </p>
      )}
      {m.kind !== 'call' && <AgendaPanel meetingId={m.id} chatId={m.chatId} />}
      {m.status !== 'ended' && m.kind !== 'call' && (
        <div className="row">
          <button
            type="button"
            className={`btn ${m.myRsvp === 'yes' ? 'btn-primary' : 'btn-secondary'}`}
            aria-pressed={m.myRsvp === 'yes'}
            onClick={() => void rsvp('yes')}
          >
            {mt('m.rsvp.yes')}
          </button>
          <button
            type="button"
            className={`btn ${m.myRsvp === 'no' ? 'btn-primary' : 'btn-secondary'}`}
            aria-pressed={m.myRsvp === 'no'}
            onClick={() => void rsvp('no')}
          >
            {mt('m.rsvp.no')}
          </button>
        </div>
      )}
      {(m.isHost || m.rsvp.yes + m.rsvp.no > 0) && (
        <p className="muted small">
          {mt('m.rsvp.tally', { yes: m.rsvp.yes, no: m.rsvp.no })}
          {m.rsvp.names && m.rsvp.names.yes.length > 0 ? ` — ${m.rsvp.names.yes.join(', ')}` : ''}
        </p>
      )}
      {m.autoEndsAt && m.status === 'live' && (
        <p className="small" role="note" data-auto-end>
          {mt('m.autoEndsCard', { time: time(m.autoEndsAt) })}
        </p>
      )}
      {!m.videoConfigured && m.status !== 'ended' && (
        <p className="muted small" role="note">
          {mt('m.noVideo')}
        </p>
      )}
      {m.videoConfigured && open && (
        <div className="row">
          <button type="button" className="btn btn-primary" data-join={m.id} onClick={() => navigate(`/meetings/${m.id}`)}>
            {mt('m.join')}
          </button>
          <button type="button" className="btn btn-secondary" onClick={() => navigate(`/meetings/${m.id}?audio=1`)}>
            {mt('m.joinAudio')}
          </button>
        </div>
      )}
    </section>
  );
}

/** Cards in a message: meetings (and their reminders) and polls. */
export function CardAttachment({ a }: { a: MessageAttachment }) {
  if (a.kind === 'meeting') return <MeetingCard meetingId={a.id} reminder={a.contentType.endsWith('+reminder')} />;
  if (a.kind === 'poll') return <PollView pollId={a.id} />;
  return null;
}
