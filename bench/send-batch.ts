/**
 * What storing a send costs the database and the server by the size of its batch (group commit,
 * apps/server/src/messaging/send-batch.ts), without sockets or HTTP: sends go straight to the
 * process's send batcher, on PostgreSQL at DATABASE_URL (a scratch database, dropped after).
 *
 *   npm run bench:send-batch                        # groups of 1, 2, 8 and 32 sends at a time
 *   npm run bench:send-batch -- --sizes 4,16 --sends 5000
 *
 * Per group size it prints the mean batch size reached, and per send the CPU of all PostgreSQL
 * processes, the CPU of this process, and the wall time. The demo school's 5А parents' chat,
 * 5А class chat and staff room take the sends in turn.
 */
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { DEMO_PHONES } from '../apps/server/src/demo/seed.ts';
import { sendBatcher } from '../apps/server/src/messaging/send-batch.ts';
import { actor, batchedSend, chatOf } from '../apps/server/src/messaging/test-helpers.ts';
import { createTestApp } from '../apps/server/src/testing/harness.ts';
import { args, postgresCpu, postgresCpuBetween } from './lib.ts';

const opt = args(process.argv.slice(2));
const SIZES = String(opt.sizes ?? '1,2,8,32')
  .split(',')
  .map(Number);
const SENDS = Number(opt.sends ?? 3000);
process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';

const t = await createTestApp({ demo: true });
try {
  if (t.runtime.ctx.dbKind !== 'postgres') throw new Error('needs PostgreSQL at DATABASE_URL');
  const teacher = await actor(t, DEMO_PHONES.classTeacher5A);
  const chats = [await chatOf(t, teacher, 'parents', '5А'), await chatOf(t, teacher, 'class', '5А'), await chatOf(t, teacher, 'staff')];
  const batcher = sendBatcher(t.runtime.ctx);
  const send = (n: number) =>
    batcher.submit(batchedSend(teacher, chats[n % chats.length]!.id, crypto.randomUUID(), `Родительское собрание в четверг в 18:00, кабинет 21. №${n}`));
  const run = async (size: number, total: number) => {
    for (let i = 0; i < total; i += size) {
      const group = await Promise.all(Array.from({ length: size }, (_, j) => send(i + j)));
      if (group.some((r) => r === 'single')) throw new Error('a batch fell back to one send at a time');
    }
  };
  // Warm-up (plans, connections), then statistics as a running database would have them.
  await run(8, 400);
  await sql`VACUUM (ANALYZE)`.execute(t.runtime.ctx.db);
  console.log(`${SENDS} sends per size, PostgreSQL CPU is every postgres process on this machine`);
  console.log('group | mean batch | PostgreSQL CPU / send | this process CPU / send | wall / send');
  for (const size of SIZES) {
    const [batches0, items0] = [batcher.batches, batcher.items];
    const pg0 = postgresCpu();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await run(size, SENDS);
    const wall = performance.now() - t0;
    const pgSeconds = postgresCpuBetween(pg0, postgresCpu());
    const cpu = process.cpuUsage(cpu0);
    const items = batcher.items - items0;
    const mean = items / (batcher.batches - batches0);
    console.log(
      `${String(size).padStart(5)} | ${mean.toFixed(1).padStart(10)} | ${((pgSeconds * 1000) / items).toFixed(3).padStart(18)} ms | ${((cpu.user + cpu.system) / 1000 / items).toFixed(3).padStart(20)} ms | ${(wall / items).toFixed(2).padStart(8)} ms`,
    );
  }
} finally {
  await t.close();
}
