import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from '@parta/protocol';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, chatOf, chats, send, type Actor } from '../messaging/test-helpers.ts';
import { history, until } from './test-helpers.ts';

/**
 * «Помощник» inside the server, as a client of the Bot API: a chat with every account, answers
 * from the FAQ the school edits, tickets answered in the same chat, and the leaflet's case
 * ("the child is registered on my phone") through the admin's queue to an invitation.
 */
describe('«Помощник»', () => {
  let t: TestApp;
  let admin: Actor, teacher: Actor;

  before(async () => {
    t = await createTestApp({ demo: true, env: { PARTA_HELPER_BOT: 'inprocess' } });
    admin = await actor(t, DEMO_PHONES.admin);
    teacher = await actor(t, DEMO_PHONES.classTeacher5A);
  });
  after(async () => {
    await t.close();
  });

  const helperChat = async (a: Actor) => {
    const res = await t.request('GET', `/api/v1/schools/${a.schoolId}/helper/chat`, { token: a.token });
    assert.equal(res.statusCode, 200, res.body);
    return res.json().chatId as string;
  };
  /** Sends, and waits for the assistant's next message after it. */
  const ask = async (a: Actor, chatId: string, text: string): Promise<Message> => {
    const mine = await send(t, a, chatId, text);
    return until(`an answer to «${text}»`, async () => (await history(t, a, chatId)).find((m) => m.seq > mine.seq && m.author.isBot));
  };

  test('every account has a chat with it, and /start shows the questions as buttons', async () => {
    const list = await chats(t, teacher);
    const direct = list.filter((c) => c.kind === 'direct');
    const chatId = await helperChat(teacher);
    assert.ok(
      direct.some((c) => c.id === chatId),
      'the chat exists before anyone asks for it',
    );
    const student = await actor(t, DEMO_PHONES.student5A);
    assert.ok((await chats(t, student)).some((c) => c.id === chatId) === false);
    assert.ok(
      (await chats(t, student)).some((c) => c.kind === 'direct'),
      'a student has one too',
    );
    const hello = await ask(teacher, chatId, '/start');
    assert.match(hello.text, /Помощник школы/);
    assert.equal(hello.author.name, 'Помощник');
    const questions = hello.keyboard!.flat().map((b) => b.text);
    for (const q of [
      'Как вступить в класс?',
      'Почему я не вижу чатов?',
      'Как сменить номер телефона?',
      'Как отключить уведомления ночью?',
      'Как подключиться к встрече?',
      'Ребёнок зарегистрирован на мой номер',
    ])
      assert.ok(questions.includes(q), q);
    // A button press answers from the FAQ.
    const night = hello.keyboard!.flat().find((b) => b.text === 'Как отключить уведомления ночью?')!;
    const press = await t.request('POST', `/api/v1/chats/${chatId}/messages/${hello.id}/callback`, {
      token: teacher.token,
      body: { data: night.callbackData },
    });
    assert.equal(press.statusCode, 200);
    const answer = await until('the FAQ answer', async () => (await history(t, teacher, chatId)).find((m) => m.seq > hello.seq && m.author.isBot));
    assert.match(answer.text, /тихие часы/);
  });

  test('answers in Russian from the FAQ the admin edits; what it cannot answer becomes a ticket answered in the same chat', async () => {
    const chatId = await helperChat(teacher);
    assert.match((await ask(teacher, chatId, 'Как подключиться к собранию по видео?')).text, /Войти/);
    assert.match((await ask(teacher, chatId, 'почему я не вижу чатов')).text, /с тем номером/);
    const faq = await t.request('GET', `/api/v1/schools/${admin.schoolId}/helper/faq`, { token: admin.token });
    const meeting = faq.json().entries.find((e: { topic: string }) => e.topic === 'Собрание по видео');
    const edit = await t.request('PUT', `/api/v1/schools/${admin.schoolId}/helper/faq/${meeting.id}`, {
      token: admin.token,
      body: { ...meeting, answer: 'Ссылку на собрание пришлёт классный руководитель.' },
    });
    assert.equal(edit.statusCode, 200, edit.body);
    assert.equal((await ask(teacher, chatId, 'как подключиться к встрече?')).text, 'Ссылку на собрание пришлёт классный руководитель.');
    const denied = await t.request('GET', `/api/v1/schools/${admin.schoolId}/helper/faq`, { token: teacher.token });
    assert.equal(denied.statusCode, 403);

    const ticket = await ask(teacher, chatId, 'Можно ли приносить в школу самокат?');
    assert.match(ticket.text, /передал его администратору/);
    const queue = await t.request('GET', `/api/v1/schools/${admin.schoolId}/helper/requests`, { token: admin.token });
    const req = queue.json().requests.find((r: { text: string }) => r.text === 'Можно ли приносить в школу самокат?');
    assert.equal(req.kind, 'question');
    const answered = await t.request('POST', `/api/v1/schools/${admin.schoolId}/helper/requests/${req.id}/resolve`, {
      token: admin.token,
      body: { action: 'answer', answer: 'Да, для самокатов есть стоянка у входа.' },
    });
    assert.equal(answered.statusCode, 200, answered.body);
    assert.equal(answered.json().request.status, 'done');
    const reply = await until('the answer in the same chat', async () =>
      (await history(t, teacher, chatId)).find((m) => m.text.includes('Да, для самокатов есть стоянка у входа.')),
    );
    assert.equal(reply.author.isBot, true);
    const again = await t.request('POST', `/api/v1/schools/${admin.schoolId}/helper/requests/${req.id}/resolve`, {
      token: admin.token,
      body: { action: 'answer', answer: 'ещё раз' },
    });
    assert.equal(again.statusCode, 409);
  });

  test('"the child is registered on my phone": the guardian confirms, the admin moves the child to a phone of its own, the guardian keeps the account', async () => {
    const parentPhone = '+79005550001';
    const childPhone = '+79005550002';
    const classId = (await chatOf(t, teacher, 'class', '5А')).classId!;
    const child = await t.request('POST', `/api/v1/schools/${admin.schoolId}/people`, {
      token: admin.token,
      body: { lastName: 'Соколова', firstName: 'Вера', roles: ['student'], birthDate: '2014-05-01', phone: parentPhone, classId },
    });
    assert.equal(child.statusCode, 201, child.body);
    const mother = await t.request('POST', `/api/v1/schools/${admin.schoolId}/people`, {
      token: admin.token,
      body: { lastName: 'Соколова', firstName: 'Анна', roles: ['guardian'], childIds: [child.json().id] },
    });
    assert.equal(mother.statusCode, 201, mother.body);
    // The mother signs in with her phone, and Parta takes her for the child.
    const guardian = await actor(t, parentPhone);
    assert.equal(guardian.personId, child.json().id);
    const chatId = await helperChat(guardian);
    const start = await ask(guardian, chatId, 'Ребёнок зарегистрирован на мой номер');
    assert.match(start.text, /номер телефона ребёнка/);
    const confirm = await ask(guardian, chatId, '+7 900 555-00-02');
    assert.match(confirm.text, /Отправить заявку/);
    const yes = confirm.keyboard!.flat().find((b) => b.callbackData === 'confirm')!;
    await t.request('POST', `/api/v1/chats/${chatId}/messages/${confirm.id}/callback`, { token: guardian.token, body: { data: yes.callbackData } });
    await until('the confirmation', async () =>
      (await history(t, guardian, chatId)).find((m) => m.id === confirm.id && m.text.startsWith('Заявка отправлена')),
    );

    const queue = await t.request('GET', `/api/v1/schools/${admin.schoolId}/helper/requests`, { token: admin.token });
    const req = queue.json().requests.find((r: { kind: string; accountPhone: string }) => r.kind === 'child_on_my_phone' && r.accountPhone === parentPhone);
    assert.ok(req, 'the request is in the admin queue');
    assert.equal(req.newPhone, childPhone);
    assert.equal(req.person.id, child.json().id);
    assert.deepEqual(
      req.guardians.map((g: { id: string }) => g.id),
      [mother.json().id],
    );
    const res = await t.request('POST', `/api/v1/schools/${admin.schoolId}/helper/requests/${req.id}/resolve`, {
      token: admin.token,
      body: { action: 'move_phone', newPhone: req.newPhone },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(res.json().invitation, 'an invitation to the child');
    const db = t.runtime.ctx.db;
    const student = await db.selectFrom('persons').selectAll().where('id', '=', child.json().id).executeTakeFirstOrThrow();
    assert.equal(student.phone, childPhone);
    assert.equal(student.user_id, null);
    const invitation = await db.selectFrom('invitations').selectAll().where('person_id', '=', student.id).executeTakeFirstOrThrow();
    assert.equal(invitation.id, res.json().invitation.id);
    assert.equal(invitation.used_at, null);
    const mum = await db.selectFrom('persons').selectAll().where('id', '=', mother.json().id).executeTakeFirstOrThrow();
    assert.equal(mum.phone, parentPhone);
    assert.equal(mum.user_id, guardian.userId, "the guardian's own account, kept, is now the guardian's");
    const sms = await t.request('GET', `/api/v1/dev/sms?phone=${encodeURIComponent(childPhone)}`);
    assert.match(sms.json().messages[0].text, new RegExp(res.json().invitation.code));
    // The mother signs in again and finds the news in her chat with the assistant.
    const again = await actor(t, parentPhone);
    assert.equal(again.personId, mother.json().id);
    const news = await until('the news', async () => (await history(t, again, await helperChat(again))).find((m) => m.text.startsWith('Готово.')));
    assert.match(news.text, /приглашение на номер \+79005550002/);
    // The child joins with the invitation on its own phone.
    const kid = await t.signIn(childPhone);
    const join = await t.request('POST', '/api/v1/invitations/redeem', { token: kid.token, body: { code: res.json().invitation.code } });
    assert.ok([200, 201].includes(join.statusCode), join.body);
  });

  test('"I changed my phone": the person moves to the new phone with an invitation', async () => {
    const old = '+79005550011';
    const created = await t.request('POST', `/api/v1/schools/${admin.schoolId}/people`, {
      token: admin.token,
      body: { lastName: 'Петров', firstName: 'Олег', roles: ['teacher'], phone: old },
    });
    assert.equal(created.statusCode, 201, created.body);
    const who = await actor(t, old);
    const chatId = await helperChat(who);
    assert.match((await ask(who, chatId, 'Я сменил номер телефона')).text, /новый номер/);
    const confirm = await ask(who, chatId, '+79005550012');
    await t.request('POST', `/api/v1/chats/${chatId}/messages/${confirm.id}/callback`, { token: who.token, body: { data: 'confirm' } });
    const req = await until('the request', async () => {
      const q = await t.request('GET', `/api/v1/schools/${admin.schoolId}/helper/requests`, { token: admin.token });
      return q.json().requests.find((r: { kind: string; accountPhone: string }) => r.kind === 'phone_changed' && r.accountPhone === old);
    });
    const res = await t.request('POST', `/api/v1/schools/${admin.schoolId}/helper/requests/${req.id}/resolve`, {
      token: admin.token,
      body: { action: 'move_phone', newPhone: '+79005550012' },
    });
    assert.equal(res.statusCode, 200, res.body);
    const person = await t.runtime.ctx.db.selectFrom('persons').selectAll().where('id', '=', created.json().id).executeTakeFirstOrThrow();
    assert.equal(person.phone, '+79005550012');
    assert.ok(res.json().invitation);
    const wrong = await t.request('POST', `/api/v1/schools/${admin.schoolId}/helper/requests/${req.id}/resolve`, {
      token: teacher.token,
      body: { action: 'reject' },
    });
    assert.equal(wrong.statusCode, 403);
  });

  test("Parta's own methods are the assistant's alone", async () => {
    const res = await t.request('POST', `/api/v1/schools/${admin.schoolId}/bots`, { token: admin.token, body: { name: 'Расписание', username: 'timetable' } });
    const token = res.json().token as string;
    const faq = await t.request('POST', `/bot${token}/partaGetFaq`, { body: {} });
    assert.deepEqual(faq.json(), { ok: false, error_code: 400, description: 'Bad Request: method not supported' });
    const bots = await t.request('GET', `/api/v1/schools/${admin.schoolId}/bots`, { token: admin.token });
    const helper = bots.json().bots.find((b: { kind: string }) => b.kind === 'helper');
    assert.equal(helper.name, 'Помощник');
    const reissue = await t.request('POST', `/api/v1/schools/${admin.schoolId}/bots/${helper.id}/token`, { token: admin.token });
    assert.equal(reissue.statusCode, 403, 'the in-process assistant keeps its token');
  });
});
