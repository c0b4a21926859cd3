import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_PHONES } from '../demo/seed.ts';
import { PushService } from '../testing/push-service.ts';
import { createPostgresDatabase, signInOverHttp, startServer, type ServerProcess } from '../testing/processes.ts';
import { WsTestClient } from '../testing/ws-client.ts';

/**
 * "No push while active on another device" across processes: a guardian reading on process A
 * gets no push for messages that process B's worker may expand, and gets them again once gone.
 * Two real server processes, one PostgreSQL, Redis pub/sub; the push service of the test, trusted
 * by the servers through NODE_EXTRA_CA_CERTS. Needs DATABASE_URL and REDIS_URL (.ci/steps/20-multinode.sh).
 */
const databaseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
const skip = !databaseUrl || !redisUrl ? 'needs DATABASE_URL (PostgreSQL) and REDIS_URL' : false;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('push presence across two server processes', { skip }, () => {
  let a: ServerProcess;
  let b: ServerProcess;
  let ps: PushService;
  let drop = async () => {};
  let certDir = '';
  const clients: WsTestClient[] = [];

  before(async () => {
    ps = await PushService.start();
    certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parta-push-ca-'));
    fs.writeFileSync(path.join(certDir, 'ca.pem'), ps.cert);
    const db = await createPostgresDatabase(databaseUrl!);
    drop = db.drop;
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl!,
      PARTA_DEV: '1',
      PARTA_CODE_RESEND_SECONDS: '0',
      PARTA_CODES_PER_PHONE_PER_HOUR: '1000',
      PARTA_AUTH_RATE_PER_IP: '100000',
      NODE_EXTRA_CA_CERTS: path.join(certDir, 'ca.pem'),
    };
    // A seeds the demo school (with its diary): slow on a busy machine.
    a = await startServer({ ...env, PARTA_DEMO: 'auto' }, { readyTimeoutMs: 240_000 });
    b = await startServer({ ...env, PARTA_DEMO: 'off' }, { readyTimeoutMs: 120_000 });
  });
  after(async () => {
    for (const c of clients) c.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await drop();
    await ps.close();
    fs.rmSync(certDir, { recursive: true, force: true });
  });

  const api = async (base: string, token: string, method: string, url: string, body?: unknown) => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    assert.ok(res.ok, `${method} ${url}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };

  test('a guardian connected to process A gets no push on their phone, whichever process expands; after leaving, pushes come again', async () => {
    const teacher = await signInOverHttp(b.baseUrl, DEMO_PHONES.classTeacher5A);
    const phone = await signInOverHttp(b.baseUrl, DEMO_PHONES.guardian5A);
    const laptop = await signInOverHttp(a.baseUrl, DEMO_PHONES.guardian5A);
    const chats = (await api(b.baseUrl, teacher.token, 'GET', '/api/v1/chats')).chats as { id: string; kind: string }[];
    const parents = chats.find((c) => c.kind === 'parents')!.id;
    const device = ps.subscribe();
    await api(b.baseUrl, phone.token, 'PUT', '/api/v1/me/push', { endpoint: device.endpoint, keys: device.keys });
    const post = (text: string) => api(b.baseUrl, teacher.token, 'POST', `/api/v1/chats/${parents}/messages`, { clientId: crypto.randomUUID(), text });

    // Pushes flow while the guardian is nowhere.
    await post('До подключения');
    await ps.waitFor(1, 15_000);
    assert.equal(ps.for(device.id).length, 1);

    // The laptop connects to A; B hears of it within a moment.
    const onA = await WsTestClient.connect(a.wsUrl, laptop.token);
    clients.push(onA);
    await sleep(1_500);
    // Several messages: the workers of A and B race for each pass, so B expands some of them.
    for (let i = 0; i < 4; i++) {
      const m = await post(`Пока читает на ноутбуке ${i}`);
      await onA.waitFor((f) => f.type === 'update' && (f.update as { message?: { id: string } }).message?.id === m.id);
    }
    await sleep(3_000);
    assert.equal(ps.for(device.id).length, 1, 'no push while the account is active on another process');

    onA.close();
    await sleep(1_500);
    await post('После ухода');
    await ps.waitFor(2, 15_000);
    assert.equal(ps.for(device.id).length, 2);
    assert.deepEqual(ps.rejected, []);
  });
});
