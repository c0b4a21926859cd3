import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp } from '../testing/harness.ts';
import { type Actor } from '../messaging/test-helpers.ts';
import type { MediaRuntime } from '../media/runtime.ts';
import { sdpOffer } from '../media/testing.ts';
import { meetingsWithJanus } from './test-helpers.ts';
import { endAbandoned, sweepAbsent } from './presence.ts';
import { PRESENCE_TIMEOUT_MS } from './service.ts';
import { AUTO_END_MS } from './auto-end.ts';

/** Joining, publishing, host controls and attendance with a real Janus behind Parta. */
describe('meetings with a media server', async () => {
  const app = await meetingsWithJanus('meetings with Janus');
  if (!app) return;
  const { call } = app;
  let t: TestApp;
  let media: MediaRuntime;
  let teacher: Actor, guardian: Actor, father: Actor, other: Actor;
  let chatId: string;
  before(() => {
    ({ t, media } = app);
    ({ teacher, guardian, father, other, parentsChatId: chatId } = app.people());
  });

  test('the host and the parents join at the same moment: everyone is in (whoever makes the room second finds it made)', async () => {
    const m = await app.schedule(chatId, 'Все сразу');
    const joins = await Promise.all([teacher, guardian, father].map((a) => call(a, 'POST', `/api/v1/meetings/${m.id}/join`, {})));
    assert.deepEqual(
      joins.map((r) => r.statusCode),
      [200, 200, 200],
      joins.map((r) => r.body).join('\n'),
    );
    assert.equal((await call(teacher, 'POST', `/api/v1/meetings/${m.id}/host`, { action: 'end' })).statusCode, 200);
  });

  test('members join, publish through Parta, the host mutes and removes; attendance is recorded', async () => {
    const m = await app.schedule(chatId, 'Собрание', 5 * 60_000);
    assert.equal(m.videoConfigured, true);
    assert.equal((await call(other, 'POST', `/api/v1/meetings/${m.id}/join`, {})).statusCode, 404);
    assert.equal((await call(guardian, 'POST', `/api/v1/meetings/${m.id}/publish`, { sdp: sdpOffer() })).json().error.code, 'meeting_not_joined');

    const joined = await call(teacher, 'POST', `/api/v1/meetings/${m.id}/join`, {});
    assert.equal(joined.statusCode, 200, joined.body);
    assert.equal(joined.json().meeting.status, 'live');
    assert.ok(
      await media.adapter!.roomExists(
        Number((await t.runtime.ctx.db.selectFrom('meetings').select('room').where('id', '=', m.id).executeTakeFirstOrThrow()).room),
      ),
    );
    for (const a of [guardian, father]) assert.equal((await call(a, 'POST', `/api/v1/meetings/${m.id}/join`, {})).statusCode, 200);

    const pub = await call(guardian, 'POST', `/api/v1/meetings/${m.id}/publish`, { kind: 'camera', sdp: sdpOffer() });
    assert.equal(pub.statusCode, 200, pub.body);
    assert.match(pub.json().sdp, /^v=0/);
    // Feeds are offered to others only once their media flows (the browser test proves that part).
    assert.equal((await call(father, 'POST', `/api/v1/meetings/${m.id}/subscribe`, { feedId: pub.json().feedId })).statusCode, 404);

    assert.equal((await call(father, 'POST', `/api/v1/meetings/${m.id}/host`, { action: 'mute', personId: guardian.personId })).statusCode, 403);
    assert.equal((await call(teacher, 'POST', `/api/v1/meetings/${m.id}/host`, { action: 'mute', personId: guardian.personId })).statusCode, 200);
    const state = (await call(guardian, 'GET', `/api/v1/meetings/${m.id}/live`)).json();
    assert.equal(state.me.audioMutedByHost, true);
    assert.equal(state.participants.length, 3);
    // Stopping one camera, and muting everyone but the host (Janus moderates the published feed).
    assert.equal((await call(teacher, 'POST', `/api/v1/meetings/${m.id}/host`, { action: 'stop_video', personId: guardian.personId })).statusCode, 200);
    assert.equal((await call(guardian, 'GET', `/api/v1/meetings/${m.id}/live`)).json().me.videoStoppedByHost, true);
    assert.equal((await call(father, 'GET', `/api/v1/meetings/${m.id}/live`)).json().me.audioMutedByHost, false);
    assert.equal((await call(teacher, 'POST', `/api/v1/meetings/${m.id}/host`, { action: 'mute_all' })).statusCode, 200);
    assert.equal((await call(father, 'GET', `/api/v1/meetings/${m.id}/live`)).json().me.audioMutedByHost, true);
    assert.equal((await call(teacher, 'GET', `/api/v1/meetings/${m.id}/live`)).json().me.audioMutedByHost, false, 'the host keeps the floor');

    // Raised hands keep their order.
    await call(father, 'POST', `/api/v1/meetings/${m.id}/hand`, { raised: true });
    await call(guardian, 'POST', `/api/v1/meetings/${m.id}/hand`, { raised: true });
    await call(father, 'POST', `/api/v1/meetings/${m.id}/reactions`, { emoji: '👍' });
    const hands = (await call(teacher, 'GET', `/api/v1/meetings/${m.id}/live`)).json();
    assert.deepEqual(
      hands.hands.map((h: { personId: string }) => h.personId),
      [father.personId, guardian.personId],
    );
    assert.deepEqual(
      hands.reactions.map((r: { emoji: string }) => r.emoji),
      ['👍'],
    );

    assert.equal((await call(teacher, 'POST', `/api/v1/meetings/${m.id}/host`, { action: 'remove', personId: father.personId })).statusCode, 200);
    assert.equal((await call(father, 'GET', `/api/v1/meetings/${m.id}/live`)).json().me.removed, true);
    assert.equal((await call(father, 'POST', `/api/v1/meetings/${m.id}/join`, {})).json().error.code, 'meeting_removed');

    // The guardian's network drops: after the presence timeout the row closes; they come back.
    const gone = new Date(Date.now() + PRESENCE_TIMEOUT_MS + 10_000);
    await call(teacher, 'GET', `/api/v1/meetings/${m.id}/live`);
    assert.ok((await sweepAbsent(t.runtime.ctx, gone)) >= 2);
    assert.equal((await call(guardian, 'POST', `/api/v1/meetings/${m.id}/join`, {})).statusCode, 200);
    await call(guardian, 'POST', `/api/v1/meetings/${m.id}/leave`);

    const a = (await call(teacher, 'GET', `/api/v1/meetings/${m.id}/attendance`)).json();
    const g = a.attended.find((r: { personId: string }) => r.personId === guardian.personId);
    assert.equal(g.sessions, 2);
    assert.equal(a.attended.length, 3);
    // The family of the guardian and father came; the other 24 families of 5А did not.
    assert.equal(a.absentFamilies.length, 24);
    const csv = await call(teacher, 'GET', `/api/v1/meetings/${m.id}/attendance.csv`);
    assert.match(csv.body, /вошёл/);
    assert.match(csv.body, /удалён ведущим/, 'the removed father');

    assert.equal((await call(teacher, 'POST', `/api/v1/meetings/${m.id}/host`, { action: 'end' })).statusCode, 200);
    const room = Number((await t.runtime.ctx.db.selectFrom('meetings').select('room').where('id', '=', m.id).executeTakeFirstOrThrow()).room);
    assert.equal(await media.adapter!.roomExists(room), false);
  });

  test('host decisions stick: leave and rejoin, a network drop, later joiners; removal, readmission; the meeting ends without its host', async () => {
    const m = await app.schedule(chatId, 'Собрание 2');
    const live = async (a: Actor) => (await call(a, 'GET', `/api/v1/meetings/${m.id}/live`)).json();
    const host = (body: object) => call(teacher, 'POST', `/api/v1/meetings/${m.id}/host`, body);
    for (const a of [teacher, guardian]) assert.equal((await call(a, 'POST', `/api/v1/meetings/${m.id}/join`, {})).statusCode, 200);
    assert.equal((await host({ action: 'mute', personId: guardian.personId })).statusCode, 200);
    assert.equal((await host({ action: 'stop_video', personId: guardian.personId })).statusCode, 200);
    await call(guardian, 'POST', `/api/v1/meetings/${m.id}/hand`, { raised: true });

    // «Выйти», then «Войти»: still muted, video still stopped, hand still up.
    await call(guardian, 'POST', `/api/v1/meetings/${m.id}/leave`);
    assert.equal((await call(guardian, 'POST', `/api/v1/meetings/${m.id}/join`, {})).statusCode, 200);
    let me = await live(guardian);
    assert.equal(me.me.audioMutedByHost, true, 'the mute survives leaving and joining again');
    assert.equal(me.me.videoStoppedByHost, true);
    assert.deepEqual(
      me.hands.map((h: { personId: string }) => h.personId),
      [guardian.personId],
    );
    // Publishing again is moderated again at once.
    assert.equal((await call(guardian, 'POST', `/api/v1/meetings/${m.id}/publish`, { kind: 'camera', sdp: sdpOffer() })).statusCode, 200);

    // A network drop longer than the presence timeout: the sweep closes the row; the return restores all.
    await call(teacher, 'GET', `/api/v1/meetings/${m.id}/live`);
    assert.ok((await sweepAbsent(t.runtime.ctx, new Date(Date.now() + PRESENCE_TIMEOUT_MS + 10_000))) >= 1);
    assert.equal((await live(guardian)).me.participantId, null);
    for (const a of [teacher, guardian]) assert.equal((await call(a, 'POST', `/api/v1/meetings/${m.id}/join`, {})).statusCode, 200);
    me = await live(guardian);
    assert.equal(me.me.audioMutedByHost, true, 'the mute survives a network drop');
    assert.deepEqual(
      me.hands.map((h: { personId: string }) => h.personId),
      [guardian.personId],
      'so does the raised hand',
    );

    // The host unmutes her; «выключить звук всем» then mutes her and whoever joins later.
    await host({ action: 'unmute', personId: guardian.personId });
    assert.equal((await live(guardian)).me.audioMutedByHost, false);
    assert.equal((await host({ action: 'mute_all' })).statusCode, 200);
    assert.equal((await call(teacher, 'GET', `/api/v1/meetings/${m.id}`)).json().muteOnEntry, true);
    assert.equal((await call(father, 'POST', `/api/v1/meetings/${m.id}/join`, {})).statusCode, 200);
    assert.equal((await live(father)).me.audioMutedByHost, true, 'a later joiner enters muted');
    assert.equal((await live(teacher)).me.audioMutedByHost, false);

    // Removal: refused on return, «удалён ведущим» in the CSV; readmitted, they may come back.
    assert.equal((await host({ action: 'remove', personId: father.personId })).statusCode, 200);
    assert.equal((await host({ action: 'remove', personId: other.personId })).json().error.code, 'person_not_found');
    assert.equal((await call(father, 'POST', `/api/v1/meetings/${m.id}/join`, {})).json().error.code, 'meeting_removed');
    assert.deepEqual(
      (await live(teacher)).removed.map((r: { personId: string }) => r.personId),
      [father.personId],
    );
    assert.deepEqual((await live(guardian)).removed, [], 'only the host sees whom they removed');
    const csv = (await call(teacher, 'GET', `/api/v1/meetings/${m.id}/attendance.csv`)).body;
    const fatherLine = csv.split('\r\n').find((l) => l.includes(';1;удалён ведущим'));
    assert.ok(fatherLine, `the removed father is not «был»:\n${csv}`);
    assert.equal((await call(father, 'POST', `/api/v1/meetings/${m.id}/host`, { action: 'readmit', personId: father.personId })).statusCode, 403);
    assert.equal((await host({ action: 'readmit', personId: father.personId })).statusCode, 200);
    assert.equal((await host({ action: 'readmit', personId: father.personId })).json().error.code, 'person_not_found');
    assert.equal((await call(father, 'POST', `/api/v1/meetings/${m.id}/join`, {})).statusCode, 200);
    assert.equal((await live(father)).me.audioMutedByHost, true, 'readmitted, still muted');

    // The host leaves: the card says when it ends by itself; it does, unless the host returns.
    assert.equal((await call(teacher, 'GET', `/api/v1/meetings/${m.id}`)).json().autoEndsAt, null);
    await call(teacher, 'POST', `/api/v1/meetings/${m.id}/leave`);
    const ends = Date.parse((await call(guardian, 'GET', `/api/v1/meetings/${m.id}`)).json().autoEndsAt);
    assert.ok(Math.abs(ends - (Date.now() + AUTO_END_MS)) < 60_000, 'about AUTO_END_MS after the host left');
    assert.equal(await endAbandoned(t.runtime.ctx, new Date(ends - 1000)), 0);
    assert.equal(await endAbandoned(t.runtime.ctx, new Date(ends + 1000)), 1);
    const ended = (await call(guardian, 'GET', `/api/v1/meetings/${m.id}`)).json();
    assert.equal(ended.status, 'ended');
    assert.equal((await live(guardian)).meeting.status, 'ended');
  });

  test('the waiting room: the host admits one or all; admitted people come back without waiting; lock still refuses', async () => {
    const m = await app.schedule(chatId, 'Собрание 3');
    const host = (body: object) => call(teacher, 'POST', `/api/v1/meetings/${m.id}/host`, body);
    const join = (a: Actor) => call(a, 'POST', `/api/v1/meetings/${m.id}/join`, {});
    assert.equal((await call(guardian, 'POST', `/api/v1/meetings/${m.id}/host`, { action: 'lobby', on: true })).statusCode, 403);
    assert.equal((await host({ action: 'lobby', on: true })).statusCode, 200);
    assert.equal((await call(guardian, 'GET', `/api/v1/meetings/${m.id}`)).json().lobby, true);
    assert.equal((await join(teacher)).statusCode, 200, 'the host never waits');
    const waits = await join(guardian);
    assert.equal(waits.statusCode, 409);
    assert.equal(waits.json().error.code, 'meeting_lobby');
    assert.equal((await join(father)).json().error.code, 'meeting_lobby');
    const live = (await call(teacher, 'GET', `/api/v1/meetings/${m.id}/live`)).json();
    assert.deepEqual(
      live.waiting.map((w: { personId: string }) => w.personId),
      [guardian.personId, father.personId],
      'in order of arrival',
    );
    assert.equal(live.participants.length, 1);
    assert.equal((await call(guardian, 'GET', `/api/v1/meetings/${m.id}/live`)).json().waiting.length, 0, 'only the host sees the waiting room');
    assert.equal((await call(guardian, 'POST', `/api/v1/meetings/${m.id}/host`, { action: 'admit', personId: guardian.personId })).statusCode, 403);
    assert.equal((await host({ action: 'admit', personId: other.personId })).json().error.code, 'person_not_found');

    // One admitted: she joins; she leaves and comes back without waiting again.
    assert.equal((await host({ action: 'admit', personId: guardian.personId })).statusCode, 200);
    assert.equal((await join(guardian)).statusCode, 200);
    await call(guardian, 'POST', `/api/v1/meetings/${m.id}/leave`);
    assert.equal((await join(guardian)).statusCode, 200);
    assert.deepEqual(
      (await call(teacher, 'GET', `/api/v1/meetings/${m.id}/live`)).json().waiting.map((w: { personId: string }) => w.personId),
      [father.personId],
    );

    // Lock keeps working: the father is refused outright; unlocked, «впустить всех» lets him in.
    await host({ action: 'lock' });
    assert.equal((await join(father)).json().error.code, 'meeting_locked');
    await host({ action: 'unlock' });
    assert.equal((await host({ action: 'admit_all' })).statusCode, 200);
    assert.equal((await join(father)).statusCode, 200);
    assert.equal((await call(teacher, 'GET', `/api/v1/meetings/${m.id}/live`)).json().waiting.length, 0);
    await host({ action: 'end' });
  });
});
