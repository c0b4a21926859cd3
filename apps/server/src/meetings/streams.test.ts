import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp } from '../testing/harness.ts';
import { actor, type Actor } from '../messaging/test-helpers.ts';
import { sdpOffer } from '../media/testing.ts';
import { meetingsWithJanus } from './test-helpers.ts';
import { live } from './live.ts';

/**
 * Multistream subscriptions through Parta against a real Janus: the refusals. Publishers here send
 * SDP only, never media, so Janus offers nothing of theirs; apps/web/e2e/meeting.e2e.ts receives
 * real media through one subscription per browser.
 */
describe('multistream subscriptions', async () => {
  const app = await meetingsWithJanus('multistream with Janus');
  if (!app) return;
  const { call } = app;
  let t: TestApp;
  let teacher: Actor, guardian: Actor, father: Actor, other: Actor;
  let chatId: string;
  before(() => {
    t = app.t;
    ({ teacher, guardian, father, other, parentsChatId: chatId } = app.people());
  });

  test("refusals: non-members, before joining, feeds not flowing, no subscription of one's own (the browser test receives real media through it)", async () => {
    const m = await app.schedule(chatId, 'Мультипоток');
    const put = (a: Actor, feeds: object[]) => call(a, 'PUT', `/api/v1/meetings/${m.id}/streams`, { feeds });
    assert.equal((await put(other, [])).statusCode, 404, 'not a member');
    assert.equal((await put(guardian, [])).json().error.code, 'meeting_not_joined');
    for (const a of [teacher, guardian, father]) assert.equal((await call(a, 'POST', `/api/v1/meetings/${m.id}/join`, {})).statusCode, 200);
    const feeds: Record<string, number> = {};
    for (const a of [guardian, father]) {
      const pub = await call(a, 'POST', `/api/v1/meetings/${m.id}/publish`, { kind: 'camera', sdp: sdpOffer() });
      assert.equal(pub.statusCode, 200, pub.body);
      feeds[a.personId] = pub.json().feedId;
    }
    const g = feeds[guardian.personId]!;
    const f = feeds[father.personId]!;

    // Not flowing yet (no `webrtcup` from Janus): nothing to subscribe to.
    let r = (await put(teacher, [{ feedId: g, video: true }])).json();
    assert.deepEqual(r, { subscriptionId: null, sdp: null, streams: [] });

    // Parta believes the feeds flow, Janus knows better (no media from these SDP-only publishers): 404, not 503.
    for (const p of live.meeting(m.id).participants.values()) for (const feed of p.feeds.values()) feed.up = true;
    r = await put(teacher, [
      { feedId: g, video: true, substream: 2 },
      { feedId: f, video: false },
    ]);
    assert.equal(r.statusCode, 404, r.body);
    assert.equal(r.json().error.code, 'meeting_feed_not_found');
    assert.equal(live.meeting(m.id).participants.get(teacher.personId)!.subscriptions.size, 0, 'the refused handle is released');
    // Layers and answers need a subscription of one's own.
    assert.equal((await call(teacher, 'POST', `/api/v1/meetings/${m.id}/streams/substream`, { feedId: g, substream: 1 })).statusCode, 404);
    assert.equal((await call(guardian, 'POST', `/api/v1/meetings/${m.id}/streams/answer`, { sdp: 'v=0 nothing here' })).statusCode, 404);
    assert.equal((await call(teacher, 'DELETE', `/api/v1/meetings/${m.id}/streams`)).statusCode, 200);
    await call(teacher, 'POST', `/api/v1/meetings/${m.id}/host`, { action: 'end' });
  });

  test('a room takes a class: eight cameras and a screen publish (the room once refused the sixth)', async () => {
    const m = await app.schedule(chatId, 'Класс');
    const parents = await Promise.all(['+79002100002', '+79002100003', '+79002100004', '+79002100005', '+79002100006'].map((p) => actor(t, p)));
    const everyone = [teacher, guardian, father, ...parents];
    for (const a of everyone) {
      assert.equal((await call(a, 'POST', `/api/v1/meetings/${m.id}/join`, {})).statusCode, 200);
      const pub = await call(a, 'POST', `/api/v1/meetings/${m.id}/publish`, { kind: 'camera', sdp: sdpOffer() });
      assert.equal(pub.statusCode, 200, pub.body);
    }
    assert.equal((await call(teacher, 'POST', `/api/v1/meetings/${m.id}/publish`, { kind: 'screen', sdp: sdpOffer() })).statusCode, 200);
    await call(teacher, 'POST', `/api/v1/meetings/${m.id}/host`, { action: 'end' });
  });
});
