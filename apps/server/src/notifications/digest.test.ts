import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, chatOf, send, type Actor } from '../messaging/test-helpers.ts';
import { claimDigests, planDigests } from './digest.ts';
import { OTHER_GUARDIAN_5A } from './test-fixture.ts';
import { NotificationWorker } from './worker.ts';

const HOUR = 3_600_000;

/**
 * E-mail digests over real SMTP (an in-process smtp-server; mails read back with mailparser),
 * with the worker's clock moved by hand: a verified guardian away for N hours gets their unread
 * teachers' messages and channel posts, a private chat only counted, an unsubscribe link that works
 * without signing in; a restart neither loses nor doubles a digest.
 */
describe('e-mail digests', () => {
  let t: TestApp;
  let smtp: SMTPServer;
  const mails: ParsedMail[] = [];
  let teacher: Actor, guardian: Actor, otherGuardian: Actor, admin: Actor;
  let parentsChat: string, schoolChannel: string;
  let offset = 0;
  const clock = () => new Date(Date.now() + offset);
  const worker = () => NotificationWorker.start(t.runtime.ctx, { now: clock, pollMs: 0, digestEveryMs: 0 });
  const linkIn = (mail: ParsedMail, path: string) => {
    const m = new RegExp(`https?://[^\\s]+${path.replace('?', '\\?')}[^\\s]+`).exec(mail.text ?? '');
    assert.ok(m, `a ${path} link in: ${mail.text}`);
    return new URL(m[0]);
  };
  /** Messages are stored at the real time, the worker runs on the moved clock: earlier digests are moved back a day and a half instead. */
  const ageDigests = () =>
    t.runtime.ctx.db
      .updateTable('email_digests')
      .set((eb) => ({ since: sql`${eb.ref('since')} - interval '36 hours'`, up_to: sql`${eb.ref('up_to')} - interval '36 hours'` }))
      .execute();
  const waitMails = async (n: number) => {
    const until = Date.now() + 10_000;
    while (mails.length < n) {
      assert.ok(Date.now() < until, `expected ${n} mails, got ${mails.length}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  before(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, done) {
        simpleParser(stream).then((m) => {
          mails.push(m);
          done();
        }, done);
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    const port = (smtp.server.address() as AddressInfo).port;
    t = await createTestApp({
      demo: true,
      env: { PARTA_SMTP_URL: `smtp://127.0.0.1:${port}`, PARTA_MAIL_FROM: 'Школа <school@example.ru>', PARTA_EMAIL_DIGEST_HOURS: '12' },
    });
    teacher = await actor(t, DEMO_PHONES.classTeacher5A);
    guardian = await actor(t, DEMO_PHONES.guardian5A);
    otherGuardian = await actor(t, OTHER_GUARDIAN_5A);
    admin = await actor(t, DEMO_PHONES.admin);
    parentsChat = (await chatOf(t, guardian, 'parents', '5А')).id;
    schoolChannel = (await chatOf(t, guardian, 'school_channel')).id;
  });
  after(async () => {
    await t.close();
    await new Promise<void>((r) => smtp.close(() => r()));
  });

  test('an address is set in the profile and verified by the link sent to it; a wrong link is refused', async () => {
    const none = await t.request('GET', '/api/v1/me/email', { token: guardian.token });
    assert.deepEqual(none.json(), { email: null, verified: false, digest: false, available: true });
    const bad = await t.request('PUT', '/api/v1/me/email', { token: guardian.token, body: { email: 'not an address' } });
    assert.equal(bad.statusCode, 400);
    const set = await t.request('PUT', '/api/v1/me/email', { token: guardian.token, body: { email: 'Mama@Example.ru' } });
    assert.equal(set.statusCode, 200, set.body);
    assert.deepEqual(set.json(), { email: 'mama@example.ru', verified: false, digest: true, available: true });
    await waitMails(1);
    assert.equal(mails[0]!.subject, 'Parta: подтвердите адрес e-mail');
    assert.equal((mails[0]!.to as { text: string }).text, 'mama@example.ru');
    const link = linkIn(mails[0]!, '/api/v1/email/verify?token=');
    const wrong = await t.request('GET', `${link.pathname}?token=${'x'.repeat(32)}`);
    assert.equal(wrong.statusCode, 404);
    const ok = await t.request('GET', `${link.pathname}${link.search}`);
    assert.equal(ok.statusCode, 200);
    assert.match(ok.body, /Адрес e-mail подтверждён/);
    assert.equal((await t.request('GET', `${link.pathname}${link.search}`)).statusCode, 404, 'a link works once');
    assert.equal((await t.request('GET', '/api/v1/me/email', { token: guardian.token })).json().verified, true);
    // The other guardian gives an address and never confirms it: no digests for them.
    assert.equal((await t.request('PUT', '/api/v1/me/email', { token: otherGuardian.token, body: { email: 'papa@example.ru' } })).statusCode, 200);
    await waitMails(2);
    mails.splice(0);
  });

  test("away for N hours: one digest of unread teachers' messages and channel posts; a private chat only counted; no second one within N hours", async () => {
    const w = await worker();
    try {
      await send(t, teacher, parentsChat, 'Завтра собрание в 18:00, кабинет 12');
      await send(t, otherGuardian, parentsChat, 'Родительская болтовня');
      await send(t, admin, schoolChannel, 'Школа закрыта на карантин до понедельника');
      const dm = await t.request('POST', `/api/v1/schools/${teacher.schoolId}/directs`, { token: teacher.token, body: { personId: guardian.personId } });
      assert.equal(dm.statusCode, 200, dm.body);
      await send(t, teacher, dm.json().chatId, 'Личное: про оценки Егора');
      await w.digests();
      assert.equal(mails.length, 0, 'the guardian was here a moment ago');
      offset = 13 * HOUR;
      await w.digests();
      await waitMails(1);
      const m = mails[0]!;
      assert.equal((m.to as { text: string }).text, 'mama@example.ru');
      assert.equal(m.subject, 'Parta: 3 непрочитанных сообщения от школы');
      const text = m.text ?? '';
      assert.match(text, /Елена Петровна \(учитель\): Завтра собрание в 18:00, кабинет 12/);
      assert.match(text, /Школа закрыта на карантин/);
      assert.ok(!text.includes('болтовня'), "another parent's message is not important");
      assert.ok(!text.includes('оценки Егора'), 'a private chat is not quoted');
      assert.match(text, /1 новое сообщение в «Елена Петровна \(учитель\)»/);
      assert.ok(!m.html, 'plain text only');
      assert.match(String(m.headers.get('list-unsubscribe') ?? JSON.stringify(m.headers.get('list'))), /email\/unsubscribe\?token=/);
      assert.match(String(m.messageId), /^<digest-[0-9a-f-]+@parta>$/);
      await w.digests();
      offset = 14 * HOUR;
      await send(t, teacher, parentsChat, 'Ещё одно');
      await w.digests();
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(mails.length, 1, 'at most one digest per N hours');
    } finally {
      await w.stop();
    }
  });

  test("a school that keeps parents' chats private: their messages are counted, not quoted", async () => {
    const policy = (await t.request('GET', `/api/v1/schools/${admin.schoolId}/notification-policy`, { token: admin.token })).json();
    const set = await t.request('PUT', `/api/v1/schools/${admin.schoolId}/notification-policy`, {
      token: admin.token,
      body: { ...policy, privateKinds: ['direct', 'parents'] },
    });
    assert.equal(set.statusCode, 200, set.body);
    assert.deepEqual(set.json().privateKinds, ['direct', 'parents']);
    await ageDigests();
    await send(t, teacher, parentsChat, 'Секретная тема собрания');
    const w = await worker();
    try {
      await w.digests();
      await waitMails(2);
      const text = mails[1]!.text ?? '';
      assert.ok(!text.includes('Секретная') && !text.includes('Ещё одно'), text);
      assert.match(text, /\d+ новых сообщения? в «5А — родители»/);
    } finally {
      await w.stop();
      await t.request('PUT', `/api/v1/schools/${admin.schoolId}/notification-policy`, { token: admin.token, body: policy });
    }
  });

  test('a restart: a digest planned, or claimed by a process that died, is sent once by the next one', async () => {
    await ageDigests();
    await send(t, teacher, parentsChat, 'Перед перезапуском');
    assert.equal(await planDigests(t.runtime.ctx, clock(), 12), 1);
    assert.equal(await planDigests(t.runtime.ctx, clock(), 12), 0, 'planned once');
    // A process claims it and dies before sending.
    assert.equal((await claimDigests(t.runtime.ctx, clock(), 10)).length, 1);
    const before = mails.length;
    const w = await worker();
    try {
      await w.digests();
      assert.equal(mails.length, before, 'still leased to the dead process');
      offset += 6 * 60_000;
      await w.digests();
      await waitMails(before + 1);
      await w.digests();
      offset += 60 * 60_000;
      await w.digests();
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(mails.length, before + 1, 'exactly once');
      assert.match(mails.at(-1)!.text ?? '', /Перед перезапуском/);
    } finally {
      await w.stop();
    }
  });

  test('the unsubscribe link works without signing in, and stops the digests; a forged one does not', async () => {
    const link = linkIn(mails.at(-1)!, '/api/v1/email/unsubscribe?token=');
    const token = link.searchParams.get('token')!;
    const forged = await t.request('GET', `/api/v1/email/unsubscribe?token=${encodeURIComponent(`${otherGuardian.userId}.${token.split('.')[1]}`)}`);
    assert.equal(forged.statusCode, 404);
    const oneClick = await t.request('POST', `${link.pathname}${link.search}`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    assert.equal(oneClick.statusCode, 204, oneClick.body);
    const res = await t.request('GET', `${link.pathname}${link.search}`);
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /отписались/);
    assert.equal((await t.request('GET', '/api/v1/me/email', { token: guardian.token })).json().digest, false);
    const before = mails.length;
    await ageDigests();
    await send(t, teacher, parentsChat, 'После отписки');
    const w = await worker();
    try {
      await w.digests();
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(mails.length, before);
    } finally {
      await w.stop();
    }
  });
});
