import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Chat, Message } from '@parta/protocol';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { actor, chatOf, type Actor } from '../messaging/test-helpers.ts';
import { DEMO_PHONES } from './phones.ts';
import { seedDemoChats } from './chats.ts';

/** The demo school's week of chat life (demo/chats.ts), as a parent opening Parta first sees it. */
describe('the demo school: a week of 5А in its chats', () => {
  let t: TestApp;
  let parent: Actor;
  let parents: Chat;
  let history: Message[];
  before(async () => {
    t = await createTestApp({ demo: true });
    const admin = await actor(t, DEMO_PHONES.admin);
    await seedDemoChats(t.runtime.ctx, admin.schoolId);
    parent = await actor(t, DEMO_PHONES.guardian5A);
    parents = await chatOf(t, parent, 'parents', '5А');
    history = (await t.request('GET', `/api/v1/chats/${parents.id}/messages?limit=100`, { token: parent.token })).json().messages;
  });
  after(() => t.close());

  test("the parents' chat has the teacher's announcements, one pinned and one with a file the parent can open", async () => {
    assert.ok(history.length >= 10, `${history.length} messages`);
    assert.ok(parents.pinnedMessageId, 'the chat rules are pinned');
    const pinned = history.find((m) => m.id === parents.pinnedMessageId)!;
    assert.ok(pinned.author.isStaff && /родительский чат 5А/.test(pinned.text));
    const withFile = history.find((m) => m.attachments.some((a) => a.kind === 'file'))!;
    const file = withFile.attachments[0]!;
    assert.match(file.name, /Памятка/);
    const got = await t.request('GET', `/api/v1/files/${file.id}`, { token: parent.token });
    assert.equal(got.statusCode, 200);
    assert.match(got.body, /краеведческий музей/);
  });

  test('parents ask and are answered, with replies, stickers and reactions', async () => {
    assert.ok(
      history.some((m) => !m.author.isStaff && m.text.endsWith('?')),
      'a parent asks',
    );
    assert.ok(
      history.some((m) => m.author.isStaff && m.replyTo),
      'the teacher answers in reply',
    );
    assert.ok(
      history.some((m) => m.attachments.some((a) => a.kind === 'sticker')),
      'a sticker',
    );
    assert.ok(
      history.some((m) => m.reactions.length > 0),
      'reactions',
    );
    assert.ok(new Set(history.map((m) => m.author.personId)).size >= 4, 'several people talk');
  });

  test('the messages lie over the past week, in the order they were sent', async () => {
    const times = history.map((m) => Date.parse(m.createdAt));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    const days = new Set(history.map((m) => m.createdAt.slice(0, 10)));
    assert.ok(days.size >= 5, `${days.size} days`);
    assert.ok(Date.now() - times[0]! >= 5 * 86_400_000 && times.at(-1)! <= Date.now());
  });

  test('a parent meeting on the calendar, a poll with votes, and a channel post parents have read', async () => {
    const meetings = (await t.request('GET', `/api/v1/chats/${parents.id}/meetings`, { token: parent.token })).json().meetings;
    assert.ok(meetings.some((m: { title: string; startsAt: string }) => /Родительское собрание/.test(m.title) && Date.parse(m.startsAt) > Date.now()));
    const polls = (await t.request('GET', `/api/v1/chats/${parents.id}/polls`, { token: parent.token })).json().polls;
    const poll = polls.find((p: { question: string }) => /Новый год/.test(p.question));
    assert.ok(poll, 'the poll about the New Year present');
    assert.equal(
      poll.options.reduce((n: number, o: { votes: number }) => n + o.votes, 0),
      3,
    );
    const channel = await chatOf(t, parent, 'class_channel', '5А');
    const posts: Message[] = (await t.request('GET', `/api/v1/chats/${channel.id}/messages`, { token: parent.token })).json().messages;
    assert.ok(posts.length >= 1 && (posts[0]!.views ?? 0) >= 3, `views: ${posts[0]?.views}`);
  });
});
