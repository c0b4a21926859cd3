import { useEffect, useState } from 'react';
import { Poll } from '@parta/protocol';
import { z } from 'zod';
import { api } from '../app/state.ts';
import { useEngine } from '../app/engine-context.ts';
import { useStore } from '../lib/store.ts';
import { useMt } from './i18n.ts';

/** Results are fetched again on every `poll.updated` of the stream, and at this interval as well (a poll that closes at its time). */
const REFRESH_MS = 30_000;

/** One poll with live results (fetched again whenever the stream says they changed) and the vote form. */
export function PollView({ pollId, initial }: { pollId: string; initial?: Poll }) {
  const { mt, error } = useMt();
  const engine = useEngine();
  const tick = useStore(engine.pollTicks)[pollId] ?? 0;
  // Loaded again whenever the connection comes back (a poll that failed offline recovers by itself).
  const epoch = useStore(engine.liveEpoch);
  const [poll, setPoll] = useState<Poll | null>(initial ?? null);
  const [choice, setChoice] = useState<number[]>([]);
  const [err, setErr] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      api.get(`/api/v1/polls/${pollId}`, Poll).then(
        (p) => {
          if (!live) return;
          setPoll(p);
          setErr(null);
        },
        (e) => live && setErr(e),
      );
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [pollId, tick, epoch]);
  // A poll with a closing time is fetched again just after it, to show it closed.
  const closesAt = poll && !poll.closed ? poll.closesAt : null;
  useEffect(() => {
    if (!closesAt) return;
    const wait = Date.parse(closesAt) - Date.now();
    if (wait > 24 * 3600_000) return;
    const timer = setTimeout(() => void api.get(`/api/v1/polls/${pollId}`, Poll).then(setPoll, () => {}), Math.max(0, wait) + 500);
    return () => clearTimeout(timer);
  }, [pollId, closesAt]);
  if (!poll) return err ? <p role="alert">{error(err)}</p> : null;
  const voted = poll.myVote !== null;
  const canVote = !voted && !poll.closed;
  const max = Math.max(1, ...poll.options.map((o) => o.votes));
  const submit = async () => {
    setErr(null);
    try {
      setPoll(await api.post(`/api/v1/polls/${poll.id}/vote`, Poll, { options: choice }));
    } catch (e) {
      setErr(e);
    }
  };
  return (
    <section className="poll" aria-label={poll.question} data-poll={poll.id}>
      <p className="poll-q">
        <strong>{poll.question}</strong>
      </p>
      <p className="muted small">
        {[
          poll.multiple && mt('m.poll.multiple'),
          poll.anonymous && mt('m.poll.anonymous'),
          poll.perFamily && mt('m.poll.perFamily'),
          poll.closed && mt('m.poll.closed'),
        ]
          .filter(Boolean)
          .join(' · ')}
      </p>
      <ul className="poll-options">
        {poll.options.map((o, i) => (
          <li key={i}>
            <label>
              {canVote && (
                <input
                  type={poll.multiple ? 'checkbox' : 'radio'}
                  name={`poll-${poll.id}`}
                  checked={choice.includes(i)}
                  onChange={(e) => setChoice(poll.multiple ? (e.target.checked ? [...choice, i] : choice.filter((c) => c !== i)) : [i])}
                />
              )}
              <span>{o.text}</span>{' '}
              <span className="muted small" data-votes={o.votes}>
                {o.votes}
              </span>
            </label>
            <meter min={0} max={max} value={o.votes} aria-hidden="true" />
            {o.voters && o.voters.length > 0 && <span className="muted small"> {o.voters.join(', ')}</span>}
          </li>
        ))}
      </ul>
      <p className="muted small">{mt('m.poll.votes', { n: poll.totalVoters })}</p>
      {canVote && (
        <button type="button" className="btn btn-primary" disabled={choice.length === 0} onClick={() => void submit()}>
          {mt('m.poll.vote')}
        </button>
      )}
      {err !== null && <p role="alert">{error(err)}</p>}
    </section>
  );
}

/** The form for a new poll, in a chat or in a meeting. */
export function NewPoll({ path, onCreated }: { path: string; onCreated: (p: Poll) => void }) {
  const { mt, error } = useMt();
  const [question, setQuestion] = useState('');
  const [options, setOptions] = useState('');
  const [multiple, setMultiple] = useState(false);
  const [anonymous, setAnonymous] = useState(false);
  const [perFamily, setPerFamily] = useState(false);
  const [closesAt, setClosesAt] = useState('');
  const [err, setErr] = useState<unknown>(null);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setErr(null);
    try {
      const body = {
        question,
        options: options
          .split('\n')
          .map((s) => s.trim())
          .filter(Boolean),
        multiple,
        anonymous,
        perFamily,
        ...(closesAt ? { closesAt: new Date(closesAt).toISOString() } : {}),
      };
      onCreated(await api.post(path, Poll, body));
      setQuestion('');
      setOptions('');
    } catch (e2) {
      setErr(e2);
    }
  };
  return (
    <form className="stack poll-form" onSubmit={(e) => void submit(e)}>
      <h3>{mt('m.poll.new')}</h3>
      <label>
        {mt('m.poll.question')}
        <input name="question" value={question} onChange={(e) => setQuestion(e.target.value)} required maxLength={300} />
      </label>
      <label>
        {mt('m.poll.options')}
        <textarea name="options" value={options} onChange={(e) => setOptions(e.target.value)} rows={3} required />
      </label>
      <label>
        <input type="checkbox" checked={multiple} onChange={(e) => setMultiple(e.target.checked)} /> {mt('m.poll.multiple')}
      </label>
      <label>
        <input type="checkbox" checked={anonymous} onChange={(e) => setAnonymous(e.target.checked)} /> {mt('m.poll.anonymous')}
      </label>
      <label>
        <input type="checkbox" checked={perFamily} onChange={(e) => setPerFamily(e.target.checked)} /> {mt('m.poll.perFamily')}
      </label>
      <label>
        {mt('m.poll.closesAt')}
        <input type="datetime-local" value={closesAt} onChange={(e) => setClosesAt(e.target.value)} />
      </label>
      <button className="btn btn-primary" type="submit">
        {mt('m.create')}
      </button>
      {err !== null && <p role="alert">{error(err)}</p>}
    </form>
  );
}

export const PollList = z.object({ polls: z.array(Poll) });
