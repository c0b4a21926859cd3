import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { SmsGateway } from '../testing/sms-gateway.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, chatOf, send, type Actor } from '../messaging/test-helpers.ts';

/**
 * The roster is the audience: counts and receipts over every roster person a chat is for, those
 * not on Parta shown as not connected, and inviting all of them by SMS, capped per school per day.
 */
describe('the roster as the audience', () => {
  let t: TestApp;
  let sms: SmsGateway;
  let teacher: Actor, guardian: Actor, admin: Actor, maths: Actor;
  let parentsChat: string, classChannel: string, classChat: string;
  /** Roster guardians of 5А (and the class teacher) as the database has them. */
  let guardians: { id: string; phone: string | null }[];

  before(async () => {
    sms = await SmsGateway.start();
    t = await createTestApp({ demo: true, env: { PARTA_SMS_PROVIDER: 'http', PARTA_SMS_HTTP_URL: sms.url } });
    teacher = await actor(t, DEMO_PHONES.classTeacher5A);
    guardian = await actor(t, DEMO_PHONES.guardian5A);
    admin = await actor(t, DEMO_PHONES.admin);
    maths = await actor(t, DEMO_PHONES.subjectTeacher);
    parentsChat = (await chatOf(t, teacher, 'parents', '5А')).id;
    classChannel = (await chatOf(t, teacher, 'class_channel', '5А')).id;
    classChat = (await chatOf(t, teacher, 'class', '5А')).id;
    const rows = await sql<{ id: string; phone: string | null }>`
      SELECT DISTINCT p.id::text AS id, p.phone FROM persons p
      JOIN guardianships g ON g.guardian_id = p.id JOIN enrolments e ON e.student_id = g.student_id
      JOIN classes c ON c.id = e.class_id WHERE c.name = '5А' AND e.left_at IS NULL AND p.archived_at IS NULL`.execute(t.runtime.ctx.db);
    guardians = rows.rows;
    assert.ok(guardians.length > 5, 'the demo class has many guardians');
  });
  after(async () => {
    await t.close();
    await sms.close();
  });

  test("a parents' chat counts every roster guardian; those not on Parta are listed as not connected", async () => {
    const chat = await chatOf(t, teacher, 'parents', '5А');
    // Every guardian of the class and the class teacher; one guardian has signed in.
    assert.equal(chat.memberCount, guardians.length + 1);
    assert.equal(chat.notConnected, guardians.length - 1);
    const members = await t.request('GET', `/api/v1/chats/${parentsChat}/members`, { token: teacher.token });
    assert.equal(members.statusCode, 200, members.body);
    const body = members.json() as {
      members: { personId: string }[];
      notConnected: { personId: string; userId: string | null; name: string; children?: { name: string }[] }[];
    };
    assert.equal(body.members.length, 2);
    assert.equal(body.notConnected.length, guardians.length - 1);
    assert.ok(body.notConnected.every((p) => p.userId === null && p.name.length > 0));
    assert.ok(
      body.notConnected.every((p) => (p.children ?? []).length >= 1),
      'each with their child, as «мама Егора»',
    );
    assert.ok(!body.notConnected.some((p) => p.personId === guardian.personId));
    // A guardian sees the other parents of the parents' chat, connected or not…
    const asGuardian = (await t.request('GET', `/api/v1/chats/${parentsChat}/members`, { token: guardian.token })).json();
    assert.equal(asGuardian.notConnected.length, guardians.length - 1);
    // …but a channel's readers see only its staff, not the school's families.
    const channel = (await t.request('GET', `/api/v1/chats/${classChannel}/members`, { token: guardian.token })).json();
    assert.deepEqual(channel.notConnected, []);
    const channelStaff = (await t.request('GET', `/api/v1/chats/${classChannel}/members`, { token: teacher.token })).json();
    assert.ok(channelStaff.notConnected.length > guardians.length, 'students and guardians not on Parta');
  });

  test('receipts: read by 1 of everyone the message is for, not 1 of 1', async () => {
    const m = await send(t, teacher, parentsChat, 'Собрание в четверг');
    const read = await t.request('POST', `/api/v1/chats/${parentsChat}/read`, { token: guardian.token, body: { seq: m.seq } });
    assert.equal(read.statusCode, 200, read.body);
    const r = await t.request('GET', `/api/v1/chats/${parentsChat}/messages/${m.id}/receipts`, { token: teacher.token });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().readCount, 1);
    assert.equal(r.json().memberCount, guardians.length);
    assert.deepEqual(r.json().notRead, []);
    assert.equal(r.json().notConnected.length, guardians.length - 1);
  });

  test('the class teacher invites every not-connected guardian by SMS in one action; a second press texts nobody twice', async () => {
    // A guardian, and a subject teacher who is not the class teacher, may not.
    for (const [who, chatId] of [
      [guardian, parentsChat],
      [maths, classChat],
    ] as const) {
      const res = await t.request('POST', `/api/v1/chats/${chatId}/invite-not-connected`, { token: who.token });
      assert.equal(res.statusCode, 403, res.body);
      assert.equal(res.json().error.code, 'invite_not_allowed');
    }
    assert.equal((await t.request('POST', `/api/v1/chats/${parentsChat}/invite-not-connected`)).statusCode, 401);
    const withPhone = guardians.filter((g) => g.phone && g.id !== guardian.personId);
    sms.texts.splice(0); // the sign-in codes so far
    const res = await t.request('POST', `/api/v1/chats/${parentsChat}/invite-not-connected`, { token: teacher.token });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().invited, withPhone.length);
    assert.equal(res.json().notConnected, guardians.length - 1);
    assert.equal(res.json().overLimit, 0);
    await sms.waitFor(withPhone.length);
    assert.deepEqual(sms.texts.map((x) => x.to).sort(), withPhone.map((g) => g.phone).sort());
    assert.ok(sms.texts.every((x) => /приглашает вас в Parta/.test(x.text) && /\/join\?code=[A-Z0-9-]+/.test(x.text)));
    const invitations = await t.runtime.ctx.db
      .selectFrom('invitations')
      .select('person_id')
      .where(
        'person_id',
        'in',
        withPhone.map((g) => g.id),
      )
      .execute();
    assert.equal(invitations.length, withPhone.length, 'one invitation per person, through the usual invitations');
    const again = await t.request('POST', `/api/v1/chats/${parentsChat}/invite-not-connected`, { token: teacher.token });
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().invited, 0);
    assert.equal(again.json().alreadyInvited, withPhone.length);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(sms.texts.length, withPhone.length);

    // An invited guardian joins: one fewer not connected.
    const joined = withPhone[0]!;
    await actor(t, joined.phone!);
    const chat = await chatOf(t, teacher, 'parents', '5А');
    assert.equal(chat.notConnected, guardians.length - 2);
    assert.equal(chat.memberCount, guardians.length + 1);
  });

  test("the school's daily cap: invitations stop at it, and once it is used up the answer says so", async () => {
    const before = sms.texts.length;
    const policy = (await t.request('GET', `/api/v1/schools/${admin.schoolId}/notification-policy`, { token: admin.token })).json();
    const used = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM invite_sms`.execute(t.runtime.ctx.db)).rows[0]!.n);
    const set = await t.request('PUT', `/api/v1/schools/${admin.schoolId}/notification-policy`, {
      token: admin.token,
      body: { ...policy, inviteSmsPerDay: used + 3 },
    });
    assert.equal(set.statusCode, 200, set.body);
    assert.equal(set.json().inviteSmsPerDay, used + 3);
    // The class chat: students not on Parta (with phones, and old enough) and teachers.
    const first = await t.request('POST', `/api/v1/chats/${classChat}/invite-not-connected`, { token: teacher.token });
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.json().invited, 3);
    assert.ok(first.json().overLimit > 0);
    assert.equal(first.json().usedToday, used + 3);
    const over = await t.request('POST', `/api/v1/chats/${classChat}/invite-not-connected`, { token: teacher.token, headers: { 'accept-language': 'en' } });
    assert.equal(over.statusCode, 429, over.body);
    assert.equal(over.json().error.code, 'invite_sms_limit_reached');
    assert.match(over.json().error.message, /try again tomorrow/);
    assert.equal(over.json().error.details.perDay, used + 3);
    await sms.waitFor(before + 3);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(sms.texts.length, before + 3);
  });
});
