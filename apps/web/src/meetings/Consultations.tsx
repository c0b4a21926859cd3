import { useEffect, useState } from 'react';
import { Consultation, type Chat } from '@parta/protocol';
import { z } from 'zod';
import { api } from '../app/state.ts';
import { useEngine } from '../app/engine-context.ts';
import { useStore } from '../lib/store.ts';
import { navigate } from '../lib/router.ts';
import { useMinT } from './minutes-i18n.ts';

const List = z.object({ consultations: z.array(Consultation) });

/** A class chat's consultations: the teacher opens slots and sees bookings; a family books, swaps, cancels, and sees its place in the queue. */
export function Consultations({ chat, isStaff }: { chat: Chat; isStaff: boolean }) {
  const { at, error } = useMinT();
  const engine = useEngine();
  const tick = useStore(engine.chatTicks)[chat.id] ?? 0;
  const [list, setList] = useState<Consultation[]>([]);
  const [err, setErr] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    api.get(`/api/v1/chats/${chat.id}/consultations`, List).then(
      (r) => live && setList(r.consultations),
      (e) => live && setErr(e),
    );
    // The queue moves as the teacher sees families: asked again every 15 s as well.
    const timer = setInterval(
      () =>
        void api.get(`/api/v1/chats/${chat.id}/consultations`, List).then(
          (r) => live && setList(r.consultations),
          () => undefined,
        ),
      15_000,
    );
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [chat.id, tick]);
  const replace = (c: Consultation) => setList((l) => (l.some((x) => x.id === c.id) ? l.map((x) => (x.id === c.id ? c : x)) : [...l, c]));
  if (!chat.classId) return null;
  return (
    <section aria-label={at('c.title')} className="stack consultations" data-consultations>
      <h3>{at('c.title')}</h3>
      {err !== null && <p role="alert">{error(err)}</p>}
      {isStaff && chat.canPost && <NewConsultation chatId={chat.id} onCreated={replace} onError={setErr} />}
      {list.length === 0 && <p className="muted small">{at('c.none')}</p>}
      {list.map((c) => (
        <ConsultationView key={c.id} c={c} onChange={replace} onError={setErr} />
      ))}
    </section>
  );
}

function NewConsultation({ chatId, onCreated, onError }: { chatId: string; onCreated: (c: Consultation) => void; onError: (e: unknown) => void }) {
  const { at } = useMinT();
  const [f, setF] = useState(() => ({
    title: at('c.defaultName'),
    date: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10),
    from: '17:00',
    to: '19:00',
    slotMinutes: 10,
    mode: 'video' as 'video' | 'in_person',
    place: '',
    cutoffMinutes: 120,
  }));
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    try {
      onCreated(await api.post(`/api/v1/chats/${chatId}/consultations`, Consultation, f));
    } catch (err) {
      onError(err);
    }
  };
  return (
    <details className="meeting-form">
      <summary>{at('c.open')}</summary>
      <form className="stack" onSubmit={(e) => void submit(e)} data-consultation-form>
        <label>
          {at('c.name')}
          <input name="title" value={f.title} maxLength={200} required onChange={(e) => setF({ ...f, title: e.target.value })} />
        </label>
        <label>
          {at('c.date')}
          <input name="date" type="date" value={f.date} required onChange={(e) => setF({ ...f, date: e.target.value })} />
        </label>
        <div className="row">
          <label>
            {at('c.from')}
            <input name="from" type="time" value={f.from} required onChange={(e) => setF({ ...f, from: e.target.value })} />
          </label>
          <label>
            {at('c.to')}
            <input name="to" type="time" value={f.to} required onChange={(e) => setF({ ...f, to: e.target.value })} />
          </label>
          <label>
            {at('c.slot')}
            <input
              name="slotMinutes"
              type="number"
              min={5}
              max={120}
              value={f.slotMinutes}
              onChange={(e) => setF({ ...f, slotMinutes: Number(e.target.value) })}
            />
          </label>
        </div>
        <label>
          {at('c.mode')}
          <select name="mode" value={f.mode} onChange={(e) => setF({ ...f, mode: e.target.value as 'video' | 'in_person' })}>
            <option value="video">{at('c.video')}</option>
            <option value="in_person">{at('c.inPerson')}</option>
          </select>
        </label>
        {f.mode === 'in_person' && (
          <label>
            {at('c.place')}
            <input name="place" value={f.place} maxLength={200} onChange={(e) => setF({ ...f, place: e.target.value })} />
          </label>
        )}
        <label>
          {at('c.cutoff')}
          <input
            name="cutoffMinutes"
            type="number"
            min={0}
            max={10080}
            value={f.cutoffMinutes}
            onChange={(e) => setF({ ...f, cutoffMinutes: Number(e.target.value) })}
          />
        </label>
        <button type="submit" className="btn btn-primary">
          {at('c.create')}
        </button>
      </form>
    </details>
  );
}

function ConsultationView({ c, onChange, onError }: { c: Consultation; onChange: (c: Consultation) => void; onError: (e: unknown) => void }) {
  const { at, date, time } = useMinT();
  const closed = Date.now() >= Date.parse(c.cutoffAt);
  const mine = c.slots.find((s) => s.mine);
  const act = async (path: string, body?: unknown) => {
    try {
      onChange(await api.post(`/api/v1/consultations/${c.id}/${path}`, Consultation, body));
    } catch (err) {
      onError(err);
    }
  };
  return (
    <article className="meeting-card stack" data-consultation={c.id}>
      <p>
        <strong>{c.title}</strong> · {c.mode === 'video' ? at('c.video') : `${at('c.inPerson')}${c.place ? `, ${c.place}` : ''}`}
      </p>
      <p className="small">{at('c.teacher', { name: c.teacherName })}</p>
      <p className="small">
        {at('c.when', { date: date(c.startsAt, { day: 'numeric', month: 'long' }), from: time(c.startsAt), to: time(c.endsAt), n: c.slotMinutes })}
      </p>
      <p className="small muted">
        {closed ? at('c.closed') : at('c.until', { when: `${date(c.cutoffAt, { day: 'numeric', month: 'long' })} ${time(c.cutoffAt)}` })}
      </p>
      {c.queue && (
        <p className="note" role="status" data-queue={c.queue.position}>
          {c.queue.position === 0 ? at('c.turn') : c.queue.position === 1 ? at('c.next') : at('c.position', { n: c.queue.position })}
        </p>
      )}
      <ul className="slots">
        {c.slots.map((s) => (
          <li key={s.id} data-slot={s.id} data-slot-state={s.mine ? 'mine' : s.booked ? 'booked' : 'free'} className={s.mine ? 'slot-mine' : ''}>
            <span>
              {time(s.startsAt)}–{time(s.endsAt)}
            </span>{' '}
            <span className="muted small">
              {s.done
                ? at('c.done')
                : s.mine
                  ? at('c.mine')
                  : s.booked
                    ? s.familyName
                      ? `${s.familyName}${s.bookedBy ? ` (${s.bookedBy})` : ''}`
                      : at('c.booked')
                    : at('c.free')}
            </span>{' '}
            {!c.isTeacher && !closed && !s.booked && (
              <button type="button" className="btn btn-secondary" data-book onClick={() => void act(mine ? 'swap' : 'book', { slotId: s.id })}>
                {mine ? at('c.swap') : at('c.book')}
              </button>
            )}
            {s.mine && !closed && (
              <button type="button" className="btn btn-ghost" data-cancel onClick={() => void act('cancel')}>
                {at('c.cancel')}
              </button>
            )}
            {s.meetingId && !s.done && (
              <button type="button" className="btn btn-ghost" onClick={() => navigate(`/meetings/${s.meetingId}`)}>
                {at('c.join')}
              </button>
            )}
            {c.isTeacher && s.booked && !s.done && (
              <button type="button" className="btn btn-ghost" onClick={() => void act(`slots/${s.id}/done`)}>
                {at('c.markDone')}
              </button>
            )}
          </li>
        ))}
      </ul>
    </article>
  );
}
