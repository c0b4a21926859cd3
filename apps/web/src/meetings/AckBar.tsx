import { useEffect, useState } from 'react';
import { AckStatus, ChatAcks, NudgeResult, type Chat, type Message } from '@parta/protocol';
import { api, currentMembership, meStore, schoolStore } from '../app/state.ts';
import { useStore } from '../lib/store.ts';
import type { SyncEngine } from '../sync/engine.ts';
import { useMinT } from './minutes-i18n.ts';

/**
 * «Ознакомлен(а)» under a message. The chat's confirmations are one request per chat and update
 * (`chatTicks` moves on every update of the chat, `message.ack` among them), shared by its rows.
 */
const loads = new Map<string, Promise<Map<string, AckStatus>>>();
function chatAcks(chatId: string, tick: number): Promise<Map<string, AckStatus>> {
  const key = `${chatId}:${tick}`;
  let p = loads.get(key);
  if (!p) {
    p = api.get(`/api/v1/chats/${chatId}/acks`, ChatAcks).then((r) => new Map(r.acks.map((a) => [a.messageId, a])));
    loads.set(key, p);
    // Keep only the latest few loads.
    if (loads.size > 20) loads.delete(loads.keys().next().value!);
  }
  return p;
}

export function AckBar({ chat, message, mine, tick }: { chat: Chat; message: Message; mine: boolean; tick: number }) {
  const { at, error } = useMinT();
  const me = useStore(meStore);
  const schoolId = useStore(schoolStore);
  const isStaff = !!currentMembership(me, schoolId)?.roles.some((r) => r === 'teacher' || r === 'admin');
  const [status, setStatus] = useState<AckStatus | null>(null);
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const [err, setErr] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    chatAcks(chat.id, tick).then(
      (all) => live && setStatus(all.get(message.id) ?? null),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [chat.id, message.id, tick]);
  const path = `/api/v1/chats/${chat.id}/messages/${message.id}/ack`;
  const run = async (work: () => Promise<void>) => {
    try {
      setErr(null);
      await work();
    } catch (e) {
      setErr(e);
    }
  };
  const ask = (required: boolean) => run(async () => setStatus(await api.put(path, AckStatus, { required })));
  if (!status?.required) {
    // A teacher or admin may ask for confirmation of their own message afterwards.
    if (!mine || !isStaff || chat.kind === 'direct') return null;
    return (
      <div className="ack-bar">
        <button type="button" className="link-btn small" data-ack-ask onClick={() => void ask(true)}>
          {at('ack.ask')}
        </button>
        {err !== null && (
          <span className="error small" role="alert">
            {error(err)}
          </span>
        )}
      </div>
    );
  }
  const nudge = () =>
    run(async () => {
      const r = await api.post(`${path}/nudge`, NudgeResult);
      setNote(at('ack.nudged', { n: r.nudged }));
    });
  return (
    <div className="ack-bar" data-ack={message.id}>
      {status.mine.canAck &&
        (status.mine.acked ? (
          <span className="small ack-done" data-ack-done>
            {status.mine.ackedBy ? at('ack.doneBy', { name: status.mine.ackedBy }) : at('ack.done')}
          </span>
        ) : (
          <button type="button" className="btn btn-primary" data-ack-button onClick={() => void run(async () => setStatus(await api.post(path, AckStatus)))}>
            {at('ack.button')}
          </button>
        ))}
      {status.canManage && (
        <>
          <button
            type="button"
            className="link-btn small"
            aria-expanded={open}
            data-ack-count={`${status.acked}/${status.total}`}
            onClick={() => setOpen((o) => !o)}
          >
            {at('ack.count', { acked: status.acked, total: status.total })}
          </button>
          {open && status.units && (
            <div className="ack-list small" role="region" aria-label={at('ack.list')}>
              <ul>
                {status.units.map((u) => (
                  <li key={u.key} data-ack-unit={u.ackedAt ? 'yes' : 'no'}>
                    {u.ackedAt ? '✓' : '○'} {u.name}
                    {u.ackedBy ? (
                      <span className="muted"> — {u.ackedBy}</span>
                    ) : u.members.length > 0 ? (
                      <span className="muted"> ({u.members.join(', ')})</span>
                    ) : null}
                  </li>
                ))}
              </ul>
              {status.acked < status.total && (
                <button type="button" className="btn btn-secondary" data-ack-nudge onClick={() => void nudge()}>
                  {at('ack.nudge')}
                </button>
              )}
              {mine && (
                <button type="button" className="link-btn small" onClick={() => void ask(false)}>
                  {at('ack.stop')}
                </button>
              )}
            </div>
          )}
        </>
      )}
      {note && (
        <span className="small muted" role="status">
          {note}
        </span>
      )}
      {err !== null && (
        <span className="error small" role="alert">
          {error(err)}
        </span>
      )}
    </div>
  );
}

/**
 * «At send»: asks for confirmation of a message written now, once the server has stored it (the
 * outbox sends it when it can; its stored copy arrives in the chat's history with the same client id).
 */
export function askWhenSent(engine: SyncEngine, chatId: string, clientId: string): void {
  let done = false;
  const check = () => {
    const m = engine.histories.get()[chatId]?.messages.find((x) => x.clientId === clientId && x.author.userId !== null);
    if (!m || done) return;
    done = true;
    stop();
    clearTimeout(timer);
    void api.put(`/api/v1/chats/${chatId}/messages/${m.id}/ack`, AckStatus, { required: true }).catch(() => undefined);
  };
  const stop = engine.histories.subscribe(check);
  // A message that is never stored (discarded from the outbox) is not waited for forever.
  const timer = setTimeout(stop, 30 * 60_000);
  check();
}

/** The composer's switch for teachers and admins: ask for «ознакомлен(а)» with the next message. */
export function AskAckToggle({ chat, on, onChange }: { chat: Chat; on: boolean; onChange: (on: boolean) => void }) {
  const { at } = useMinT();
  const me = useStore(meStore);
  const schoolId = useStore(schoolStore);
  const isStaff = !!currentMembership(me, schoolId)?.roles.some((r) => r === 'teacher' || r === 'admin');
  if (!isStaff || chat.kind === 'direct') return null;
  return (
    <label className="small ack-toggle">
      <input type="checkbox" checked={on} onChange={(e) => onChange(e.target.checked)} data-ack-toggle /> {at('ack.ask')}
    </label>
  );
}
