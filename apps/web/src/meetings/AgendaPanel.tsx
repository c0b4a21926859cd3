import { useEffect, useState } from 'react';
import { Agenda, AgendaItem } from '@parta/protocol';
import { api } from '../app/state.ts';
import { useEngine } from '../app/engine-context.ts';
import { useStore } from '../lib/store.ts';
import { ConfirmDialog } from './Confirm.tsx';
import { useMinT } from './minutes-i18n.ts';

/** The agenda of a meeting, fetched again on every update of its chat (`meeting.agenda` among them). */
export function useAgenda(meetingId: string, chatId: string) {
  const engine = useEngine();
  const tick = useStore(engine.chatTicks)[chatId] ?? 0;
  const epoch = useStore(engine.liveEpoch);
  const [agenda, setAgenda] = useState<Agenda | null>(null);
  const [err, setErr] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    api.get(`/api/v1/meetings/${meetingId}/agenda`, Agenda).then(
      (a) => live && setAgenda(a),
      (e) => live && setErr(e),
    );
    return () => {
      live = false;
    };
  }, [meetingId, tick, epoch]);
  return { agenda, setAgenda, err, setErr };
}

function ItemLine({ item }: { item: AgendaItem }) {
  const { at } = useMinT();
  const who = [item.speaker, item.minutes > 0 ? at('a.minutesShort', { n: item.minutes }) : ''].filter(Boolean).join(', ');
  return (
    <li data-agenda-item={item.id}>
      {item.title}
      {who && <span className="muted"> — {who}</span>}
      {item.decision && <div className="small">{at('a.decided', { text: item.decision })}</div>}
    </li>
  );
}

/** The agenda on the meeting card; its editor (the host) edits the questions, records decisions and publishes the minutes. */
export function AgendaPanel({ meetingId, chatId }: { meetingId: string; chatId: string }) {
  const { at, error, date, time } = useMinT();
  const { agenda, setAgenda, err, setErr } = useAgenda(meetingId, chatId);
  const [editing, setEditing] = useState(false);
  if (!agenda) return err ? <p className="muted small">{error(err)}</p> : null;
  return (
    <div className="agenda stack" data-agenda={meetingId}>
      {agenda.items.length > 0 && (
        <>
          <p className="small">
            <strong>{at('a.agenda')}</strong>
          </p>
          <ol className="small">
            {agenda.items.map((i) => (
              <ItemLine key={i.id} item={i} />
            ))}
          </ol>
        </>
      )}
      {agenda.minutes && (
        <p className="small" data-minutes-published>
          {at('a.published', { when: `${date(agenda.minutes.publishedAt, { day: 'numeric', month: 'long' })} ${time(agenda.minutes.publishedAt)}` })}
        </p>
      )}
      {err !== null && (
        <p role="alert" className="small">
          {error(err)}
        </p>
      )}
      {agenda.canEdit && (
        <button type="button" className="btn btn-secondary" aria-expanded={editing} onClick={() => setEditing((e) => !e)} data-agenda-edit>
          {editing ? at('a.closeEdit') : at('a.edit')}
        </button>
      )}
      {editing && agenda.canEdit && (
        <AgendaEditor
          agenda={agenda}
          onSaved={(a) => {
            setAgenda(a);
            setErr(null);
          }}
          onError={setErr}
        />
      )}
    </div>
  );
}

type Draft = { id?: string; title: string; speaker: string; minutes: number; key: string };
let keys = 0;

function AgendaEditor({ agenda, onSaved, onError }: { agenda: Agenda; onSaved: (a: Agenda) => void; onError: (e: unknown) => void }) {
  const { at } = useMinT();
  const [drafts, setDrafts] = useState<Draft[]>(() =>
    agenda.items.map((i) => ({ id: i.id, title: i.title, speaker: i.speaker, minutes: i.minutes, key: i.id })),
  );
  const [saved, setSaved] = useState(false);
  const set = (i: number, patch: Partial<Draft>) => setDrafts((d) => d.map((x, j) => (j === i ? { ...x, ...patch } : x)));
  const move = (i: number, by: number) =>
    setDrafts((d) => {
      const j = i + by;
      if (j < 0 || j >= d.length) return d;
      const next = [...d];
      [next[i], next[j]] = [next[j]!, next[i]!];
      return next;
    });
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    try {
      const a = await api.put(`/api/v1/meetings/${agenda.meetingId}/agenda`, Agenda, {
        items: drafts.map(({ id, title, speaker, minutes }) => ({ ...(id ? { id } : {}), title, speaker, minutes })),
      });
      onSaved(a);
      setDrafts(a.items.map((i) => ({ id: i.id, title: i.title, speaker: i.speaker, minutes: i.minutes, key: i.id })));
      setSaved(true);
    } catch (err) {
      onError(err);
    }
  };
  return (
    <div className="stack agenda-editor">
      <form className="stack" onSubmit={(e) => void save(e)} aria-label={at('a.agenda')}>
        {drafts.map((d, i) => (
          <fieldset key={d.key} className="agenda-row">
            <legend className="small">{i + 1}.</legend>
            <label>
              {at('a.title')}
              <input
                name={`title-${i}`}
                value={d.title}
                required
                maxLength={300}
                onChange={(e) => {
                  setSaved(false);
                  set(i, { title: e.target.value });
                }}
              />
            </label>
            <label>
              {at('a.speaker')}
              <input
                name={`speaker-${i}`}
                value={d.speaker}
                maxLength={200}
                onChange={(e) => {
                  setSaved(false);
                  set(i, { speaker: e.target.value });
                }}
              />
            </label>
            <label>
              {at('a.minutes')}
              <input
                name={`minutes-${i}`}
                type="number"
                min={0}
                max={600}
                value={d.minutes}
                onChange={(e) => {
                  setSaved(false);
                  set(i, { minutes: Number(e.target.value) });
                }}
              />
            </label>
            <div className="row">
              <button type="button" className="btn btn-ghost" onClick={() => move(i, -1)} disabled={i === 0}>
                {at('a.up')}
              </button>
              <button type="button" className="btn btn-ghost" onClick={() => move(i, 1)} disabled={i === drafts.length - 1}>
                {at('a.down')}
              </button>
              <button type="button" className="btn btn-ghost" onClick={() => setDrafts((x) => x.filter((_, j) => j !== i))}>
                {at('a.remove')}
              </button>
            </div>
          </fieldset>
        ))}
        <div className="row">
          <button
            type="button"
            className="btn btn-secondary"
            onClick={() => setDrafts((x) => [...x, { title: '', speaker: '', minutes: 10, key: `new-${keys++}` }])}
          >
            {at('a.add')}
          </button>
          <button type="submit" className="btn btn-primary" data-agenda-save>
            {at('a.saveAgenda')}
          </button>
          {saved && (
            <span className="small muted" role="status">
              {at('a.saved')}
            </span>
          )}
        </div>
      </form>
      {agenda.items.map((item) => (
        <RecordForm key={item.id} meetingId={agenda.meetingId} item={item} onError={onError} />
      ))}
      <MinutesActions agenda={agenda} onSaved={onSaved} onError={onError} />
    </div>
  );
}

function RecordForm({ meetingId, item, onError }: { meetingId: string; item: AgendaItem; onError: (e: unknown) => void }) {
  const { at } = useMinT();
  const [said, setSaid] = useState(item.said);
  const [decision, setDecision] = useState(item.decision);
  const [saved, setSaved] = useState(false);
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    try {
      await api.patch(`/api/v1/meetings/${meetingId}/agenda/${item.id}`, AgendaItem, { said, decision });
      setSaved(true);
    } catch (err) {
      onError(err);
    }
  };
  return (
    <form className="stack agenda-record" onSubmit={(e) => void save(e)} aria-label={item.title} data-record={item.id}>
      <p className="small">
        <strong>{item.title}</strong>
      </p>
      <label>
        {at('a.said')}
        <textarea
          name="said"
          rows={2}
          maxLength={10_000}
          value={said}
          onChange={(e) => {
            setSaved(false);
            setSaid(e.target.value);
          }}
        />
      </label>
      <label>
        {at('a.decision')}
        <textarea
          name="decision"
          rows={2}
          maxLength={10_000}
          value={decision}
          onChange={(e) => {
            setSaved(false);
            setDecision(e.target.value);
          }}
        />
      </label>
      <div className="row">
        <button type="submit" className="btn btn-secondary">
          {at('a.saveItem')}
        </button>
        {saved && (
          <span className="small muted" role="status">
            {at('a.saved')}
          </span>
        )}
      </div>
    </form>
  );
}

function MinutesActions({ agenda, onSaved, onError }: { agenda: Agenda; onSaved: (a: Agenda) => void; onError: (e: unknown) => void }) {
  const { at, t } = useMinT();
  const download = async (format: 'pdf' | 'docx') => {
    try {
      const url = await api.blobUrl(`/api/v1/meetings/${agenda.meetingId}/minutes.${format}`);
      const a = document.createElement('a');
      a.href = url;
      a.download = `minutes.${format}`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      onError(err);
    }
  };
  const [asking, setAsking] = useState(false);
  const publish = async () => {
    setAsking(false);
    try {
      onSaved(await api.post(`/api/v1/meetings/${agenda.meetingId}/minutes/publish`, Agenda));
    } catch (err) {
      onError(err);
    }
  };
  return (
    <div className="row">
      <button type="button" className="btn btn-ghost" onClick={() => void download('pdf')}>
        {at('a.pdf')}
      </button>
      <button type="button" className="btn btn-ghost" onClick={() => void download('docx')}>
        {at('a.docx')}
      </button>
      {!agenda.minutes && agenda.items.length > 0 && (
        <button type="button" className="btn btn-primary" data-publish onClick={() => setAsking(true)}>
          {at('a.publish')}
        </button>
      )}
      {asking && (
        <ConfirmDialog
          text={at('a.publishAsk')}
          confirm={at('a.publish')}
          cancel={t('common.cancel')}
          onConfirm={() => void publish()}
          onCancel={() => setAsking(false)}
        />
      )}
    </div>
  );
}

/** The agenda pinned in the call: a small fold at the top of the screen, open by default. */
export function AgendaPinned({ meetingId, chatId }: { meetingId: string; chatId: string }) {
  const { at } = useMinT();
  const { agenda } = useAgenda(meetingId, chatId);
  if (!agenda || agenda.items.length === 0) return null;
  return (
    <details className="agenda-pinned" open data-agenda-pinned>
      <summary>{at('a.pinned')}</summary>
      <ol className="small">
        {agenda.items.map((i) => (
          <ItemLine key={i.id} item={i} />
        ))}
      </ol>
    </details>
  );
}
