import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, chats, class5A, send, type Actor } from '../messaging/test-helpers.ts';
import { readStream, streamHead } from '../stream/read.ts';

/** «Ознакомлен(а)» for any message: asking, one tap per family, the per-family list, the reminder. */
describe('acknowledgements', () => {
  let t: TestApp;
  let teacher: Actor, mother: Actor, father: Actor, mother2: Actor, mother3: Actor, other: Actor, student: Actor;
  let parentsChat: string;
  let messageId: string;

  before(async () => {
    t = await createTestApp({ demo: true });
    ({
      teacher,
      mother,
      father,
      mothers: [mother2, mother3],
      other,
      parentsChat,
    } = await class5A(t));
    student = await actor(t, DEMO_PHONES.student5A);
    messageId = (await send(t, teacher, parentsChat, 'Экскурсия 15 декабря: сбор 500 ₽ до пятницы, согласие подписать.')).id;
  });
  after(async () => t.close());

  const url = (chatId: string, id: string, tail = '') => `/api/v1/chats/${chatId}/messages/${id}/ack${tail}`;
  const status = (a: Actor, chatId = parentsChat, id = messageId) => t.request('GET', url(chatId, id), { token: a.token });
  const ack = (a: Actor, chatId = parentsChat, id = messageId) => t.request('POST', url(chatId, id), { token: a.token });

  test('only teachers and admins ask for a confirmation; until then none is asked', async () => {
    assert.equal((await status(mother)).json().required, false);
    assert.equal((await ack(mother)).json().error.code, 'ack_not_required');
    const refused = await t.request('PUT', url(parentsChat, messageId), { token: mother.token, body: { required: true } });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.code, 'ack_not_allowed');
    assert.equal((await t.request('PUT', url(parentsChat, messageId), { token: other.token, body: { required: true } })).statusCode, 404);
    const head = await streamHead(t.runtime.ctx.db);
    const asked = await t.request('PUT', url(parentsChat, messageId), { token: teacher.token, body: { required: true } });
    assert.equal(asked.statusCode, 200, asked.body);
    assert.equal(asked.json().required, true);
    assert.equal(asked.json().total, 25, 'every family of the class, signed in or not');
    const page = await readStream(t.runtime.ctx.db, mother.userId, head.head);
    assert.ok(!page.resync && page.updates.some((u) => u.type === 'message.ack' && u.messageId === messageId));
  });

  test('one tap per family: the second guardian of the same child finds it confirmed', async () => {
    const mine = (await status(mother)).json();
    assert.equal(mine.units, undefined, 'a parent does not see the list');
    assert.equal(mine.canManage, false);
    assert.equal(mine.mine.canAck, true);
    const res = await ack(mother);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().mine.acked, true);
    assert.equal(res.json().acked, 1);
    const fathers = (await status(father)).json();
    assert.equal(fathers.mine.acked, true, "the father's family is confirmed");
    assert.equal(fathers.mine.ackedBy, res.json().mine.ackedBy);
    assert.equal((await ack(father)).json().acked, 1, 'a second tap changes nothing');
    assert.equal((await status(mother2)).json().mine.acked, false);
  });

  test('refusals: the author and teachers do not confirm, non-members get 404', async () => {
    const own = await ack(teacher);
    assert.equal(own.statusCode, 403);
    assert.equal(own.json().error.code, 'ack_not_for_you');
    assert.equal((await ack(other)).statusCode, 404);
    assert.equal((await ack(student)).statusCode, 404, 'a student is not in the parents’ chat');
    assert.equal((await status(other)).json().error.code, 'chat_not_found');
    assert.equal((await ack(mother, parentsChat, '00000000-0000-4000-8000-000000000000')).json().error.code, 'message_not_found');
  });

  test('the teacher sees per family who has and has not; the chat lists its confirmations', async () => {
    const res = (await status(teacher)).json();
    assert.equal(res.canManage, true);
    assert.equal(res.units.length, 25);
    const done = res.units.filter((u: { ackedAt: string | null }) => u.ackedAt);
    assert.equal(done.length, 1);
    assert.equal(done[0].members.length, 2, 'both guardians of the first child are listed in the family');
    const list = await t.request('GET', `/api/v1/chats/${parentsChat}/acks`, { token: mother2.token });
    assert.deepEqual(
      list.json().acks.map((a: { messageId: string; mine: { acked: boolean } }) => [a.messageId, a.mine.acked]),
      [[messageId, false]],
    );
  });

  test('one action reminds those who have not, by a direct message, at most every 30 minutes', async () => {
    assert.equal((await t.request('POST', url(parentsChat, messageId, '/nudge'), { token: mother.token })).json().error.code, 'ack_not_allowed');
    const res = await t.request('POST', url(parentsChat, messageId, '/nudge'), { token: teacher.token });
    assert.equal(res.statusCode, 200, res.body);
    // Signed-in guardians of families that have not confirmed: mother2 and mother3 (the first family has).
    assert.equal(res.json().nudged, 2);
    const direct = (await chats(t, mother2)).find((c) => c.kind === 'direct');
    assert.ok(direct, 'a direct chat with the teacher');
    assert.match(direct.lastMessage?.text ?? '', /подтвердите «Ознакомлен\(а\)».*Экскурсия 15 декабря/);
    assert.ok((await chats(t, mother3)).some((c) => c.kind === 'direct'));
    assert.equal(
      (await chats(t, mother)).some((c) => c.kind === 'direct'),
      false,
      'a confirmed family is not reminded',
    );
    const again = await t.request('POST', url(parentsChat, messageId, '/nudge'), { token: teacher.token });
    assert.equal(again.statusCode, 429);
    assert.equal(again.json().error.code, 'ack_nudge_too_soon');
  });

  test('outside a class’s parents’ chats each recipient confirms for themself', async () => {
    const group = await t.request('POST', `/api/v1/schools/${teacher.schoolId}/groups`, {
      token: teacher.token,
      body: { title: 'Родительский комитет', personIds: [mother.personId, father.personId, mother2.personId] },
    });
    assert.equal(group.statusCode, 201, group.body);
    const chatId = group.json().chatId;
    const m = await send(t, teacher, chatId, 'Подпишите согласие на обработку данных.');
    assert.equal((await t.request('PUT', url(chatId, m.id), { token: teacher.token, body: { required: true } })).statusCode, 200);
    await ack(mother, chatId, m.id);
    const res = (await status(teacher, chatId, m.id)).json();
    assert.equal(res.total, 3);
    assert.equal(res.acked, 1, 'the father of the same child is his own recipient here');
    assert.equal((await status(father, chatId, m.id)).json().mine.acked, false);
    // Withdrawn: it asks no more.
    await t.request('PUT', url(chatId, m.id), { token: teacher.token, body: { required: false } });
    assert.equal((await status(mother, chatId, m.id)).json().required, false);
  });
});
