import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { listenWs, WsTestClient } from '../testing/ws-client.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { upload } from '../files/test-helpers.ts';
import { actor, chatOf, send, type Actor } from './test-helpers.ts';
import { readStream, streamHead } from '../stream/read.ts';

/**
 * The authorisation matrix: people who are not members of a chat try every action on it over
 * HTTP and over the WebSocket. Each is refused with the same 404 `chat_not_found` a chat that does
 * not exist gets (`file_not_found` for its attachment), search finds nothing of it, and neither
 * the catch-up nor the live stream of their socket carries anything of it.
 */
describe('authorisation matrix', () => {
  let t: TestApp;
  let teacher: Actor, member: Actor;
  const actors: Record<string, Actor> = {};
  let classChat: string, parentsChat: string, directChat: string;
  let messageIds: Record<string, string> = {};
  const SECRET = 'секретнаяконтрольная';
  let fileUrl = '';
  let wsUrl = '';
  const sockets: WsTestClient[] = [];

  before(async () => {
    t = await createTestApp({ demo: true });
    wsUrl = await listenWs(t.app);
    teacher = await actor(t, DEMO_PHONES.classTeacher5A);
    member = await actor(t, DEMO_PHONES.student5A);
    actors.outsider = await actor(t, '+79009999999');
    actors.studentOfAnotherClass = await actor(t, '+79001200001');
    actors.guardianOfAnotherClass = await actor(t, DEMO_PHONES.guardian6B);
    actors.removedMember = await actor(t, '+79001100004');
    classChat = (await chatOf(t, teacher, 'class', '5А')).id;
    parentsChat = (await chatOf(t, teacher, 'parents', '5А')).id;
    const dm = await t.request('POST', `/api/v1/schools/${teacher.schoolId}/directs`, {
      token: teacher.token,
      body: { personId: (await actor(t, DEMO_PHONES.guardian5A)).personId },
    });
    directChat = dm.json().chatId;
    // A file attached to a message in the class chat.
    const uploaded = await upload(t, teacher.token, classChat, 'контрольная.pdf', Buffer.from('%PDF-1.4\n% контрольная\n'), 'application/pdf');
    assert.equal(uploaded.statusCode, 201, uploaded.body);
    fileUrl = uploaded.json().url;
    messageIds = {
      [classChat]: (await send(t, teacher, classChat, `${SECRET} в классе`, { attachments: [uploaded.json().id] })).id,
      [parentsChat]: (await send(t, teacher, parentsChat, `${SECRET} для родителей`)).id,
      [directChat]: (await send(t, teacher, directChat, `${SECRET} лично`)).id,
    };
    // The removed member was in 5А, then left the class.
    const admin = await actor(t, DEMO_PHONES.admin);
    const cls = await chatOf(t, teacher, 'class', '5А');
    const left = await t.request('DELETE', `/api/v1/schools/${admin.schoolId}/classes/${cls.classId}/students/${actors.removedMember.personId}`, {
      token: admin.token,
    });
    assert.equal(left.statusCode, 204);
    // A student tries a direct message the policy forbids (to another class's teacher): refused, no chat made.
    actors.forbiddenDirect = member;
    const t6 = await actor(t, DEMO_PHONES.classTeacher6B);
    const dmTry = await t.request('POST', `/api/v1/schools/${member.schoolId}/directs`, { token: member.token, body: { personId: t6.personId } });
    assert.equal(dmTry.statusCode, 403);
    assert.equal(dmTry.json().error.code, 'direct_not_allowed');
  });
  after(async () => {
    for (const s of sockets) s.close();
    await t.close();
  });

  const attempts = (chatId: string, messageId: string) =>
    [
      ['GET', `/api/v1/chats/${chatId}`, undefined],
      ['GET', `/api/v1/chats/${chatId}/messages`, undefined],
      ['GET', `/api/v1/chats/${chatId}/members`, undefined],
      ['POST', `/api/v1/chats/${chatId}/messages`, { clientId: crypto.randomUUID(), text: 'пусти' }],
      ['POST', `/api/v1/chats/${chatId}/messages/${messageId}/reactions`, { emoji: '👍' }],
      ['PATCH', `/api/v1/chats/${chatId}/messages/${messageId}`, { text: 'правка' }],
      ['DELETE', `/api/v1/chats/${chatId}/messages/${messageId}`, undefined],
      ['GET', `/api/v1/chats/${chatId}/messages/${messageId}`, undefined],
      ['GET', `/api/v1/chats/${chatId}/messages/${messageId}/receipts`, undefined],
      ['POST', `/api/v1/chats/${chatId}/read`, { seq: 1 }],
      ['PUT', `/api/v1/chats/${chatId}/pin`, { messageId }],
      ['GET', `/api/v1/chats/${chatId}/notifications`, undefined],
      ['GET', `/api/v1/chats/${chatId}/recipient-hours`, undefined],
      ['PUT', `/api/v1/chats/${chatId}/notifications`, { level: 'all' }],
      ['POST', `/api/v1/chats/${chatId}/messages/${messageId}/urgent`, { reason: 'пусти' }],
      ['GET', `/api/v1/chats/${chatId}/acks`, undefined],
      ['GET', `/api/v1/chats/${chatId}/messages/${messageId}/ack`, undefined],
      ['PUT', `/api/v1/chats/${chatId}/messages/${messageId}/ack`, { required: true }],
      ['POST', `/api/v1/chats/${chatId}/messages/${messageId}/ack`, {}],
      ['POST', `/api/v1/chats/${chatId}/messages/${messageId}/ack/nudge`, {}],
      ['GET', `/api/v1/chats/${chatId}/consultations`, undefined],
      ['POST', `/api/v1/chats/${chatId}/consultations`, { date: '2099-01-10', from: '17:00', to: '18:00', slotMinutes: 10, mode: 'video' }],
      ['GET', `/api/v1/chats/${chatId}/urgent-budget`, undefined],
      ['POST', `/api/v1/chats/${chatId}/invite-not-connected`, undefined],
    ] as const;

  for (const who of ['outsider', 'studentOfAnotherClass', 'guardianOfAnotherClass', 'removedMember', 'forbiddenDirect']) {
    test(`${who}: every action on chats not theirs, over HTTP and the WebSocket, is refused as if the chat did not exist; search, catch-up and live stream show nothing`, async () => {
      const a = actors[who]!;
      const targets = who === 'forbiddenDirect' ? [parentsChat, directChat] : [classChat, parentsChat, directChat];
      const start = (await streamHead(t.runtime.ctx.db)).head;
      // Their socket resumes from before the chats' newest messages, and stays open.
      const socket = await WsTestClient.connect(wsUrl, a.token, 0);
      sockets.push(socket);
      for (const chatId of [...targets, crypto.randomUUID()]) {
        for (const [method, url, body] of attempts(chatId, messageIds[chatId] ?? crypto.randomUUID())) {
          const res = await t.request(method, url, { token: a.token, body });
          assert.equal(res.statusCode, 404, `${who} ${method} ${url}: ${res.statusCode}`);
          assert.equal(res.json().error.code, 'chat_not_found', `${who} ${method} ${url}`);
        }
      }
      if (targets.includes(classChat)) {
        for (const url of [fileUrl, `${fileUrl}/thumbnail`]) {
          const res = await t.request('GET', url, { token: a.token });
          assert.equal(res.statusCode, 404, `${who} GET ${url}`);
          assert.equal(res.json().error.code, 'file_not_found');
        }
      }
      // Over the socket: typing into the chats is refused like a chat that does not exist.
      const tries = [...targets, crypto.randomUUID()];
      for (const chatId of tries) socket.send({ type: 'typing', chatId });
      const refused = await socket.waitFor((f) => f.type === 'error' && f.frame === 'typing', tries.length);
      assert.deepEqual(
        refused.map((f) => f.code),
        tries.map(() => 'chat_not_found'),
      );
      // So is sending over the socket, with the same answer as HTTP's.
      for (const chatId of tries) {
        const answer = await socket.sendMessage(chatId, { clientId: crypto.randomUUID(), text: 'пусти по сокету' });
        assert.deepEqual([answer.type, answer.code, answer.status], ['error', 'chat_not_found', 404], `${who} send over the socket`);
      }
      const found = await t.request('GET', `/api/v1/search?q=${encodeURIComponent(SECRET)}`, { token: a.token });
      assert.equal(found.statusCode, 200);
      const visible = found.json().messages.filter((m: { chatId: string }) => targets.includes(m.chatId));
      assert.deepEqual(visible, []);
      const scoped = await t.request('GET', `/api/v1/search?q=${encodeURIComponent(SECRET)}&chatId=${targets[0]}`, { token: a.token });
      assert.deepEqual(scoped.json().messages, []);
      // New messages in every target chat: a member's socket gets them, theirs does not.
      const watcher = await WsTestClient.connect(wsUrl, teacher.token);
      sockets.push(watcher);
      for (const chatId of targets) {
        const m = await send(t, teacher, chatId, 'новое после проверки');
        await watcher.waitFor((f) => f.type === 'update' && (f.update as { message?: { id: string } }).message?.id === m.id);
      }
      await new Promise((r) => setTimeout(r, 100));
      // Only their own membership history may name the chats (a removed member was added, then removed).
      const about = socket.updates().filter((u) => u.chatId !== undefined && targets.includes(u.chatId));
      assert.deepEqual(
        about.filter((u) => u.type !== 'chat.added' && u.type !== 'chat.removed'),
        [],
        `${who}'s socket`,
      );
      for (const chatId of targets) assert.notEqual(about.filter((u) => u.chatId === chatId).at(-1)?.type, 'chat.added');
      assert.equal(socket.of('typing').length, 0);
      const stream = await readStream(t.runtime.ctx.db, a.userId, start);
      assert.ok(!stream.resync && stream.updates.every((u) => !('chatId' in u) || !targets.includes(u.chatId)));
      // Nothing they tried changed anything.
      const stored = await t.runtime.ctx.db.selectFrom('messages').select(['text', 'deleted_at']).where('id', 'in', Object.values(messageIds)).execute();
      assert.ok(stored.every((m) => m.deleted_at === null && m.text.startsWith(SECRET)));
      const smuggled = await t.runtime.ctx.db.selectFrom('messages').select('id').where('text', 'in', ['пусти', 'пусти по сокету']).execute();
      assert.deepEqual(smuggled, []);
    });
  }

  test('a member can do what the others cannot', async () => {
    assert.equal((await t.request('GET', fileUrl, { token: member.token })).statusCode, 200);
    const found = await t.request('GET', `/api/v1/search?q=${encodeURIComponent(SECRET)}`, { token: member.token });
    assert.deepEqual(
      found.json().messages.map((m: { chatId: string }) => m.chatId),
      [classChat],
    );
  });
});
