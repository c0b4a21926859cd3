import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, chatOf, type Actor } from '../messaging/test-helpers.ts';
import { readStream, streamHead } from '../stream/read.ts';
import { sendDueReminders } from './service.ts';

/** Meetings and polls over the API, without a media server (refusals come before media). */
describe('meetings and polls', () => {
  let t: TestApp;
  let teacher: Actor, guardian: Actor, father: Actor, other: Actor, maths: Actor, student: Actor;
  let parentsChat: string;
  const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

  before(async () => {
    t = await createTestApp({ demo: true });
    teacher = await actor(t, DEMO_PHONES.classTeacher5A);
    guardian = await actor(t, DEMO_PHONES.guardian5A);
    // The father of the same 5А child (every third child has one; the first does).
    father = await actor(t, '+79003100001');
    other = await actor(t, DEMO_PHONES.guardian6B);
    maths = await actor(t, DEMO_PHONES.subjectTeacher);
    student = await actor(t, DEMO_PHONES.student5A);
    parentsChat = (await chatOf(t, teacher, 'parents', undefined)).id;
  });
  after(async () => t.close());

  const schedule = (a: Actor, chatId: string, startsAt: string, extra: Record<string, unknown> = {}) =>
    t.request('POST', `/api/v1/chats/${chatId}/meetings`, {
      token: a.token,
      body: { title: 'Родительское собрание', agenda: ['Итоги четверти', 'Экскурсия'], startsAt, durationMinutes: 45, ...extra },
    });

  test('a teacher schedules a parent meeting: it appears in the chat as a card', async () => {
    const res = await schedule(teacher, parentsChat, inMinutes(120));
    assert.equal(res.statusCode, 201, res.body);
    const m = res.json();
    assert.equal(m.kind, 'parents');
    assert.deepEqual(m.agenda, ['Итоги четверти', 'Экскурсия']);
    assert.equal(m.status, 'scheduled');
    assert.equal(m.isHost, true);
    assert.equal(m.videoConfigured, false);
    const history = await t.request('GET', `/api/v1/chats/${parentsChat}/messages`, { token: guardian.token });
    const card = history.json().messages.at(-1);
    assert.deepEqual(
      card.attachments.map((a: { kind: string; id: string }) => [a.kind, a.id]),
      [['meeting', m.id]],
    );
    const seen = await t.request('GET', `/api/v1/meetings/${m.id}`, { token: guardian.token });
    assert.equal(seen.statusCode, 200);
    assert.equal(seen.json().isHost, false);
  });

  test('guardians and students cannot schedule; non-members do not see the meeting', async () => {
    assert.equal((await schedule(guardian, parentsChat, inMinutes(60))).json().error.code, 'meeting_schedule_not_allowed');
    const classChat = (await chatOf(t, student, 'class')).id;
    const res = await schedule(student, classChat, inMinutes(60));
    assert.equal(res.statusCode, 403);
    const lesson = await schedule(teacher, classChat, inMinutes(60), { title: 'Урок' });
    assert.equal(lesson.json().kind, 'lesson');
    const hidden = await t.request('GET', `/api/v1/meetings/${lesson.json().id}`, { token: other.token });
    assert.equal(hidden.statusCode, 404);
    assert.equal(hidden.json().error.code, 'meeting_not_found');
  });

  test('RSVP: members answer, the teacher sees the tally with names', async () => {
    const m = (await schedule(teacher, parentsChat, inMinutes(90))).json();
    assert.equal((await t.request('POST', `/api/v1/meetings/${m.id}/rsvp`, { token: guardian.token, body: { answer: 'yes' } })).json().myRsvp, 'yes');
    await t.request('POST', `/api/v1/meetings/${m.id}/rsvp`, { token: father.token, body: { answer: 'yes' } });
    const changed = await t.request('POST', `/api/v1/meetings/${m.id}/rsvp`, { token: father.token, body: { answer: 'no' } });
    assert.deepEqual([changed.json().rsvp.yes, changed.json().rsvp.no], [1, 1]);
    assert.equal(changed.json().rsvp.names, undefined);
    const host = (await t.request('GET', `/api/v1/meetings/${m.id}`, { token: teacher.token })).json();
    assert.equal(host.rsvp.names.yes.length, 1);
    assert.equal(host.rsvp.names.no.length, 1);
    assert.equal((await t.request('POST', `/api/v1/meetings/${m.id}/rsvp`, { token: other.token, body: { answer: 'yes' } })).statusCode, 404);
  });

  test('reminder 15 minutes before, once, through the notification decisions (working hours respected)', async () => {
    // The guardian's working hours exclude every moment of today: the reminder must not notify them.
    const now = new Date();
    const weekday = ((now.getUTCDay() + 6) % 7) + 1;
    const days = [1, 2, 3, 4, 5, 6, 7].filter((d) => d !== weekday);
    assert.equal(
      (await t.request('PUT', '/api/v1/me/working-hours', { token: guardian.token, body: { timezone: 'UTC', start: '00:00', end: '24:00', days } })).statusCode,
      200,
    );
    const m = (await schedule(teacher, parentsChat, inMinutes(10))).json();
    const db = t.runtime.ctx.db;
    assert.ok((await sendDueReminders(t.runtime.ctx, now)) >= 1);
    assert.equal(await sendDueReminders(t.runtime.ctx, now), 0);
    const msg = await db.selectFrom('messages').select('id').where('client_id', '=', `meeting-reminder:${m.id}`).executeTakeFirstOrThrow();
    const decision = await db.selectFrom('notification_decisions').selectAll().where('message_id', '=', msg.id).executeTakeFirstOrThrow();
    assert.ok(decision.quiet.includes(guardian.userId));
    assert.ok(decision.notify.includes(father.userId));
    assert.ok(!decision.notify.includes(teacher.userId));
  });

  test('join: non-members refused (404), not before the window (409), and without Janus "video is not configured" (503)', async () => {
    const later = (await schedule(teacher, parentsChat, inMinutes(120))).json();
    const early = await t.request('POST', `/api/v1/meetings/${later.id}/join`, { token: guardian.token, body: {} });
    assert.equal(early.statusCode, 409);
    assert.equal(early.json().error.code, 'meeting_not_open');
    const soon = (await schedule(teacher, parentsChat, inMinutes(5))).json();
    const stranger = await t.request('POST', `/api/v1/meetings/${soon.id}/join`, { token: other.token, body: {} });
    assert.equal(stranger.statusCode, 404);
    const noVideo = await t.request('POST', `/api/v1/meetings/${soon.id}/join`, { token: guardian.token, body: {} });
    assert.equal(noVideo.statusCode, 503);
    assert.equal(noVideo.json().error.code, 'video_not_configured');
    assert.match(noVideo.json().error.message, /Видеосвязь не настроена|Video is not configured/);
  });

  test('host controls: refused to others; lock, hand over to a co-teacher only, end', async () => {
    // A lesson in the class chat, where the maths teacher is a member too.
    const classChat = (await chatOf(t, teacher, 'class')).id;
    const m = (await schedule(teacher, classChat, inMinutes(5), { title: 'Урок' })).json();
    const host = (token: string, body: object) => t.request('POST', `/api/v1/meetings/${m.id}/host`, { token, body });
    const refused = await host(student.token, { action: 'lock' });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.code, 'meeting_host_only');
    assert.equal((await host(student.token, { action: 'mute_all' })).statusCode, 403);
    assert.equal((await host(maths.token, { action: 'end' })).statusCode, 403);
    assert.equal((await host(teacher.token, { action: 'lock' })).statusCode, 200);
    assert.equal((await t.request('POST', `/api/v1/meetings/${m.id}/join`, { token: student.token, body: {} })).json().error.code, 'meeting_locked');
    assert.equal((await host(teacher.token, { action: 'hand_over', personId: student.personId })).json().error.code, 'meeting_host_target_invalid');
    assert.equal((await host(teacher.token, { action: 'hand_over', personId: guardian.personId })).json().error.code, 'meeting_host_target_invalid');
    const handed = await host(teacher.token, { action: 'hand_over', personId: maths.personId });
    assert.equal(handed.statusCode, 200, handed.body);
    assert.equal((await host(teacher.token, { action: 'unlock' })).statusCode, 403);
    assert.equal((await t.request('GET', `/api/v1/meetings/${m.id}`, { token: maths.token })).json().isHost, true);
    assert.equal((await host(maths.token, { action: 'end' })).statusCode, 200);
    const ended = await t.request('POST', `/api/v1/meetings/${m.id}/join`, { token: student.token, body: {} });
    assert.equal(ended.json().error.code, 'meeting_ended');
    assert.equal((await t.request('GET', `/api/v1/meetings/${m.id}`, { token: student.token })).json().status, 'ended');
  });

  test('attendance is for the host and staff only; CSV export', async () => {
    const m = (await schedule(teacher, parentsChat, inMinutes(5))).json();
    assert.equal((await t.request('GET', `/api/v1/meetings/${m.id}/attendance`, { token: guardian.token })).statusCode, 403);
    const a = await t.request('GET', `/api/v1/meetings/${m.id}/attendance`, { token: teacher.token });
    assert.equal(a.statusCode, 200);
    assert.deepEqual(a.json().attended, []);
    // Nobody came: every family of 5А is absent.
    assert.equal(a.json().absentFamilies.length, 25);
    const csv = await t.request('GET', `/api/v1/meetings/${m.id}/attendance.csv?lang=en`, { token: teacher.token });
    assert.equal(csv.statusCode, 200);
    assert.match(csv.headers['content-type'] as string, /text\/csv/);
    assert.equal(csv.body.trim().split('\r\n').length, 26);
    assert.match(csv.body, /family absent/);
  });

  test('ad-hoc calls only in direct chats and groups', async () => {
    const refused = await t.request('POST', `/api/v1/chats/${parentsChat}/call`, { token: teacher.token });
    assert.equal(refused.json().error.code, 'meeting_call_not_allowed');
    const direct = await t.request('POST', `/api/v1/schools/${teacher.schoolId}/directs`, { token: teacher.token, body: { personId: guardian.personId } });
    assert.equal(direct.statusCode, 200, direct.body);
    const call = await t.request('POST', `/api/v1/chats/${direct.json().chatId}/call`, { token: guardian.token });
    assert.equal(call.statusCode, 200, call.body);
    assert.equal(call.json().kind, 'call');
    assert.equal(call.json().status, 'live');
    const again = await t.request('POST', `/api/v1/chats/${direct.json().chatId}/call`, { token: teacher.token });
    assert.equal(again.json().id, call.json().id);
  });

  describe('polls', () => {
    const create = (a: Actor, chatId: string, body: object) =>
      t.request('POST', `/api/v1/chats/${chatId}/polls`, {
        token: a.token,
        body: { question: 'Когда экскурсия?', options: ['Суббота', 'Воскресенье', 'Не поедем'], ...body },
      });
    const vote = (a: Actor, id: string, options: number[]) => t.request('POST', `/api/v1/polls/${id}/vote`, { token: a.token, body: { options } });

    test('one vote per person: a second vote is refused; live named results', async () => {
      const p = (await create(teacher, parentsChat, {})).json();
      assert.equal((await vote(guardian, p.id, [1])).statusCode, 200);
      const again = await vote(guardian, p.id, [0]);
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().error.code, 'poll_already_voted');
      const res = await vote(father, p.id, [1]);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(
        res.json().options.map((o: { votes: number }) => o.votes),
        [0, 2, 0],
      );
      assert.equal(res.json().options[1].voters.length, 2);
      assert.deepEqual(res.json().myVote, [1]);
      const history = await t.request('GET', `/api/v1/chats/${parentsChat}/messages`, { token: father.token });
      assert.equal(history.json().messages.at(-1).attachments[0].kind, 'poll');
    });

    test('live results: a vote and the closing reach every member of the chat as poll.updated, and no one else', async () => {
      const p = (await create(teacher, parentsChat, {})).json();
      const start = (await streamHead(t.runtime.ctx.db)).head;
      assert.equal((await vote(guardian, p.id, [0])).statusCode, 200);
      assert.equal((await t.request('POST', `/api/v1/polls/${p.id}/close`, { token: teacher.token })).statusCode, 200);
      const seen = async (a: Actor) => {
        const page = await readStream(t.runtime.ctx.db, a.userId, start);
        assert.ok(!page.resync);
        return page.updates.filter((u) => u.type === 'poll.updated');
      };
      assert.deepEqual(
        (await seen(teacher)).map((u) => 'pollId' in u && u.pollId),
        [p.id, p.id],
      );
      assert.equal((await seen(father)).length, 2);
      assert.equal((await seen(other)).length, 0, 'a guardian of another class');
    });

    test('one vote per family: the second guardian of the same child is refused', async () => {
      const p = (await create(teacher, parentsChat, { perFamily: true, anonymous: true })).json();
      assert.equal((await vote(father, p.id, [2])).statusCode, 200);
      const refused = await vote(guardian, p.id, [0]);
      assert.equal(refused.statusCode, 409);
      assert.equal(refused.json().error.code, 'poll_family_voted');
      const results = (await t.request('GET', `/api/v1/polls/${p.id}`, { token: teacher.token })).json();
      assert.equal(results.totalVoters, 1);
      assert.equal(results.options[2].voters, undefined, 'anonymous: no names');
    });

    test('one vote per family counts the shared child, not the other children of each parent; other families vote', async () => {
      // The mother and the father of one 5А child each get another child of their own, in 6Б.
      const admin = await actor(t, DEMO_PHONES.admin);
      const school = teacher.schoolId;
      const classes = (await t.request('GET', `/api/v1/schools/${school}/classes`, { token: admin.token })).json().classes as { id: string; name: string }[];
      const c6b = classes.find((c) => c.name === '6Б')!.id;
      for (const [parent, firstName] of [
        [guardian, 'Анна'],
        [father, 'Борис'],
      ] as const) {
        const child = await t.request('POST', `/api/v1/schools/${school}/people`, {
          token: admin.token,
          body: { lastName: 'Сводная', firstName, roles: ['student'], birthDate: '2014-03-01', classId: c6b },
        });
        assert.equal(child.statusCode, 201, child.body);
        const link = await t.request('POST', `/api/v1/schools/${school}/guardianships`, {
          token: admin.token,
          body: { guardianId: parent.personId, studentId: child.json().id },
        });
        assert.ok(link.statusCode < 300, link.body);
      }
      const p = (await create(teacher, parentsChat, { perFamily: true })).json();
      assert.equal((await vote(guardian, p.id, [0])).statusCode, 200);
      assert.equal((await vote(father, p.id, [1])).json().error.code, 'poll_family_voted');
      // The guardian of another 5А child is another family.
      const neighbour = await actor(t, '+79002100002');
      assert.equal((await vote(neighbour, p.id, [1])).statusCode, 200);
      assert.equal((await t.request('GET', `/api/v1/polls/${p.id}`, { token: teacher.token })).json().totalVoters, 2);
    });

    test('a poll closes by itself at its closing time; a closing time in the past is refused', async () => {
      const past = await create(teacher, parentsChat, { closesAt: new Date(Date.now() - 60_000).toISOString() });
      assert.equal(past.statusCode, 400, past.body);
      const p = (await create(teacher, parentsChat, { closesAt: new Date(Date.now() + 1_500).toISOString() })).json();
      assert.equal(p.closed, false);
      await new Promise((r) => setTimeout(r, 1_700));
      assert.equal((await vote(guardian, p.id, [0])).json().error.code, 'poll_closed');
      assert.equal((await t.request('GET', `/api/v1/polls/${p.id}`, { token: guardian.token })).json().closed, true);
    });

    test('choices are checked; multiple choice; closed polls refuse votes; non-members see nothing', async () => {
      const single = (await create(teacher, parentsChat, {})).json();
      assert.equal((await vote(guardian, single.id, [0, 1])).json().error.code, 'poll_choice_invalid');
      assert.equal((await vote(guardian, single.id, [7])).json().error.code, 'poll_choice_invalid');
      const multi = (await create(guardian, parentsChat, { multiple: true })).json();
      assert.deepEqual((await vote(guardian, multi.id, [0, 2])).json().myVote, [0, 2]);
      assert.equal((await t.request('POST', `/api/v1/polls/${multi.id}/close`, { token: father.token })).statusCode, 403);
      assert.equal((await t.request('POST', `/api/v1/polls/${multi.id}/close`, { token: guardian.token })).json().closed, true);
      assert.equal((await vote(father, multi.id, [1])).json().error.code, 'poll_closed');
      assert.equal((await t.request('GET', `/api/v1/polls/${multi.id}`, { token: other.token })).statusCode, 404);
      assert.equal((await vote(other, single.id, [0])).statusCode, 404);
    });
  });
});
