/**
 * One teacher's message to a class channel of 800 families with two devices each: 1,600 Web
 * Pushes to a local push service (HTTPS, VAPID checked, every payload decrypted), by the
 * delivery worker (apps/server/src/notifications/worker.ts).
 *
 *   npm run bench:notify                                 # PGlite; DATABASE_URL=… for PostgreSQL
 *   npm run bench:notify -- --families 800 --devices 2 --concurrency 64
 *
 * Prints the sender's answer time alone and with the fan-out, the time until every push has left
 * (the bound: 10 s) and the push throughput. The families are written straight into the tables
 * (accounts, roster people, channel membership, sessions and subscriptions): the bench measures
 * delivery, not sign-up. The push service runs in this process, so its decryption shares the CPU.
 */
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DEMO_PHONES } from '../apps/server/src/demo/seed.ts';
import { actor, chatOf } from '../apps/server/src/messaging/test-helpers.ts';
import { NotificationWorker } from '../apps/server/src/notifications/worker.ts';
import { createTestApp } from '../apps/server/src/testing/harness.ts';
import { PushService } from '../apps/server/src/testing/push-service.ts';
import { args } from './lib.ts';

const opt = args(process.argv.slice(2));
const FAMILIES = Number(opt.families ?? 800);
const DEVICES = Number(opt.devices ?? 2);
const CONCURRENCY = Number(opt.concurrency ?? 64);
const BOUND_MS = 10_000;

const t = await createTestApp({ demo: true });
const ps = await PushService.start({ maxSockets: CONCURRENCY });
const db = t.runtime.ctx.db;
let worker: NotificationWorker | null = null;
try {
  const teacher = await actor(t, DEMO_PHONES.classTeacher5A);
  const channel = await chatOf(t, teacher, 'class_channel', '5А');
  const chatRow = await db.selectFrom('chats').select(['school_id']).where('id', '=', channel.id).executeTakeFirstOrThrow();

  const sendOnce = async (text: string) => {
    const t0 = performance.now();
    const res = await t.request('POST', `/api/v1/chats/${channel.id}/messages`, { token: teacher.token, body: { clientId: crypto.randomUUID(), text } });
    if (res.statusCode !== 201) throw new Error(`send: ${res.statusCode} ${res.body}`);
    return performance.now() - t0;
  };
  worker = await NotificationWorker.start(t.runtime.ctx, { agent: ps.agent, concurrency: CONCURRENCY, pollMs: 1_000 });
  await worker.drain();
  // The sender's answer before the families exist (median of 20).
  const alone: number[] = [];
  for (let i = 0; i < 20; i++) alone.push(await sendOnce(`Проверка ${i}`));
  await worker.drain();

  const setup0 = performance.now();
  for (let start = 0; start < FAMILIES; start += 200) {
    const n = Math.min(200, FAMILIES - start);
    const users = await db
      .insertInto('users')
      .values(
        Array.from({ length: n }, (_, i) => ({ phone: `+7955${String(start + i).padStart(7, '0')}`, first_name: 'Родитель', last_name: `№${start + i}` })),
      )
      .returning('id')
      .execute();
    const persons = await db
      .insertInto('persons')
      .values(
        users.map((u, i) => ({
          school_id: chatRow.school_id,
          last_name: `Родитель${start + i}`,
          first_name: 'Мария',
          roles: ['guardian' as const],
          user_id: u.id,
        })),
      )
      .returning(['id', 'user_id'])
      .execute();
    await db
      .insertInto('chat_members')
      .values(persons.map((p) => ({ chat_id: channel.id, person_id: p.id, user_id: p.user_id! })))
      .execute();
    const sessions = await db
      .insertInto('sessions')
      .values(users.flatMap((u) => Array.from({ length: DEVICES }, () => ({ user_id: u.id, token_hash: crypto.randomBytes(16).toString('hex') }))))
      .returning(['id', 'user_id'])
      .execute();
    await db
      .insertInto('push_subscriptions')
      .values(
        sessions.map((s) => {
          const sub = ps.subscribe();
          return {
            user_id: s.user_id,
            session_id: s.id,
            endpoint: sub.endpoint,
            p256dh: sub.keys.p256dh,
            auth: sub.keys.auth,
            expires_at: new Date(Date.now() + 86_400_000),
          };
        }),
      )
      .execute();
  }
  const devices = FAMILIES * DEVICES;
  console.log(
    `${FAMILIES} families × ${DEVICES} devices = ${devices} subscriptions in 5А's channel (${t.runtime.ctx.dbKind}, set up in ${((performance.now() - setup0) / 1000).toFixed(1)} s); ${CONCURRENCY} pushes in flight at most`,
  );

  const before = ps.received.length;
  const sentAt = Date.now();
  const answer = await sendOnce('Завтра в школе день открытых дверей, начало в 10:00');
  await ps.waitFor(before + devices, 120_000);
  const pushes = ps.received.slice(before);
  const last = Math.max(...pushes.map((p) => p.at)) - sentAt;
  const first = Math.min(...pushes.map((p) => p.at)) - sentAt;
  await worker.drain();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const afterFanout: number[] = [];
  for (let i = 0; i < 5; i++) afterFanout.push(await sendOnce(`Ещё одно ${i}`));
  const rejected = ps.rejected.length;
  console.log(
    `sender's answer: alone (median of 20) ${median(alone).toFixed(1)} ms; the message to ${devices} devices ${answer.toFixed(1)} ms; the next sends while pushes go (median of 5) ${median(afterFanout).toFixed(1)} ms`,
  );
  console.log(`pushes received: ${pushes.length} of ${devices}, first after ${first} ms, last after ${last} ms; ${rejected} refused (bad VAPID or payload)`);
  console.log(
    `push throughput: ${((pushes.length / Math.max(1, last - first)) * 1000).toFixed(0)} pushes/s (first to last), ${((pushes.length / last) * 1000).toFixed(0)} pushes/s from the send`,
  );
  console.log(`all ${devices} within ${BOUND_MS / 1000} s: ${last <= BOUND_MS && pushes.length === devices && rejected === 0 ? 'yes' : 'NO'}`);
} finally {
  await worker?.stop();
  await ps.close();
  await t.close();
}
