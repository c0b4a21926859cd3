import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp } from '../testing/harness.ts';
import { type Actor } from '../messaging/test-helpers.ts';
import { sdpOffer } from '../media/testing.ts';
import { meetingsWithJanus } from './test-helpers.ts';
import { sweepAbsent } from './presence.ts';
import { PRESENCE_TIMEOUT_MS } from './service.ts';

/** Co-hosts, "ask to unmute" and the spotlight, with the server's refusals, against a real Janus. */
describe('co-hosts, ask to unmute, spotlight', async () => {
  const app = await meetingsWithJanus('co-hosts with Janus');
  if (!app) return;
  const { call, schedule } = app;
  let t: TestApp;
  let teacher: Actor, chair: Actor, father: Actor, other: Actor, student: Actor;
  let chatId: string, classChatId: string;
  before(() => {
    t = app.t;
    ({ teacher, guardian: chair, father, other, student, parentsChatId: chatId, classChatId } = app.people());
  });

  test('the host grants a co-host, who gets the same controls but the host-only ones; refusals are checked on the server', async () => {
    const m = await schedule(chatId, 'Собрание с соведущим');
    const as = (a: Actor, body: object) => call(a, 'POST', `/api/v1/meetings/${m.id}/host`, body);
    const live = async (a: Actor) => (await call(a, 'GET', `/api/v1/meetings/${m.id}/live`)).json();
    for (const a of [teacher, chair, father]) assert.equal((await call(a, 'POST', `/api/v1/meetings/${m.id}/join`, {})).statusCode, 200);
    assert.equal((await call(father, 'POST', `/api/v1/meetings/${m.id}/publish`, { kind: 'camera', sdp: sdpOffer() })).statusCode, 200);

    // Nobody but the host grants; only adults of the chat, never the host, can be co-hosts.
    let r = await as(chair, { action: 'cohost', personId: chair.personId, on: true });
    assert.equal(r.statusCode, 403);
    assert.equal(r.json().error.code, 'meeting_host_only');
    assert.equal((await as(chair, { action: 'mute', personId: father.personId })).json().error.code, 'meeting_host_only', 'not yet a co-host');
    assert.equal(
      (await as(teacher, { action: 'cohost', personId: other.personId, on: true })).json().error.code,
      'meeting_cohost_target_invalid',
      'not a member of the chat',
    );
    assert.equal(
      (await as(teacher, { action: 'cohost', personId: teacher.personId, on: true })).json().error.code,
      'meeting_cohost_target_invalid',
      'the host is the host',
    );
    assert.equal((await as(teacher, { action: 'cohost', personId: chair.personId, on: true })).statusCode, 200);

    const chairView = await live(chair);
    assert.equal(chairView.me.isCohost, true);
    assert.equal(chairView.participants.find((p: { personId: string }) => p.personId === chair.personId).isCohost, true);
    assert.equal((await live(father)).me.isCohost, false);

    // The co-host mutes, stops video, sees the waiting room and removed people, like the host.
    assert.equal((await as(chair, { action: 'mute', personId: father.personId })).statusCode, 200);
    assert.equal((await live(father)).me.audioMutedByHost, true);
    assert.equal((await as(chair, { action: 'lobby', on: true })).statusCode, 200);
    assert.equal((await call(other, 'GET', `/api/v1/meetings/${m.id}`)).statusCode, 404);
    // With the waiting room on, whoever leaves waits to come back (the father is admitted by the co-host below).

    // …but not on the host, and not the host-only controls.
    for (const action of ['mute', 'stop_video', 'remove', 'ask_unmute']) {
      r = await as(chair, { action, personId: teacher.personId });
      assert.equal(r.statusCode, 403, action);
      assert.equal(r.json().error.code, 'meeting_host_protected', action);
    }
    assert.equal((await live(teacher)).me.audioMutedByHost, false, 'the host kept the floor');
    assert.equal((await as(chair, { action: 'cohost', personId: father.personId, on: true })).json().error.code, 'meeting_host_only');
    assert.equal((await as(chair, { action: 'hand_over', personId: teacher.personId })).json().error.code, 'meeting_host_only');
    assert.equal((await call(father, 'GET', `/api/v1/meetings/${m.id}/attendance`)).json().error.code, 'meeting_host_only');
    assert.equal((await call(chair, 'GET', `/api/v1/meetings/${m.id}/attendance`)).statusCode, 200, 'the co-host sees attendance');

    // A co-host is a decision about a person: it survives leaving, rejoining and a network drop.
    await call(chair, 'POST', `/api/v1/meetings/${m.id}/leave`);
    assert.equal((await call(chair, 'POST', `/api/v1/meetings/${m.id}/join`, {})).statusCode, 200, 'a co-host never waits in the lobby');
    assert.equal((await live(chair)).me.isCohost, true);
    await call(teacher, 'GET', `/api/v1/meetings/${m.id}/live`);
    await call(father, 'GET', `/api/v1/meetings/${m.id}/live`);
    assert.ok((await sweepAbsent(t.runtime.ctx, new Date(Date.now() + PRESENCE_TIMEOUT_MS + 10_000))) >= 1);
    for (const a of [teacher, chair]) assert.equal((await call(a, 'POST', `/api/v1/meetings/${m.id}/join`, {})).statusCode, 200);
    assert.equal((await call(father, 'POST', `/api/v1/meetings/${m.id}/join`, {})).json().error.code, 'meeting_lobby');
    assert.deepEqual(
      (await live(chair)).waiting.map((w: { personId: string }) => w.personId),
      [father.personId],
      'the co-host sees the waiting room',
    );
    assert.equal((await as(chair, { action: 'admit', personId: father.personId })).statusCode, 200);
    assert.equal((await call(father, 'POST', `/api/v1/meetings/${m.id}/join`, {})).statusCode, 200);
    assert.equal((await live(chair)).me.isCohost, true, 'after a drop');

    // With the host gone, a co-host in the call keeps the meeting from ending by itself.
    await call(teacher, 'POST', `/api/v1/meetings/${m.id}/leave`);
    assert.equal((await call(father, 'GET', `/api/v1/meetings/${m.id}`)).json().autoEndsAt, null, 'a co-host is still in');
    assert.equal((await call(teacher, 'POST', `/api/v1/meetings/${m.id}/join`, {})).statusCode, 200);

    // Revoked: the controls go with it.
    assert.equal((await as(teacher, { action: 'cohost', personId: chair.personId, on: false })).statusCode, 200);
    assert.equal((await as(chair, { action: 'mute', personId: father.personId })).json().error.code, 'meeting_host_only');
    assert.equal((await live(chair)).me.isCohost, false);
    assert.deepEqual((await live(chair)).waiting, []);
    await as(teacher, { action: 'end' });
  });

  test('ask to unmute: the host lifts the mute and asks; the person decides; nobody else answers for them', async () => {
    const m = await schedule(chatId, 'Собрание: просьба включить микрофон');
    const host = (body: object) => call(teacher, 'POST', `/api/v1/meetings/${m.id}/host`, body);
    const live = async (a: Actor) => (await call(a, 'GET', `/api/v1/meetings/${m.id}/live`)).json();
    for (const a of [teacher, father]) assert.equal((await call(a, 'POST', `/api/v1/meetings/${m.id}/join`, {})).statusCode, 200);
    assert.equal((await host({ action: 'mute', personId: father.personId })).statusCode, 200);
    // Answering a request never made: refused.
    assert.equal((await call(father, 'POST', `/api/v1/meetings/${m.id}/unmute-request`, { accept: true })).statusCode, 404);
    assert.equal(
      (await call(father, 'POST', `/api/v1/meetings/${m.id}/host`, { action: 'ask_unmute', personId: teacher.personId })).json().error.code,
      'meeting_host_only',
    );
    assert.equal((await host({ action: 'ask_unmute', personId: other.personId })).json().error.code, 'person_not_found');

    assert.equal((await host({ action: 'ask_unmute', personId: father.personId })).statusCode, 200);
    let me = (await live(father)).me;
    assert.equal(me.unmuteAsked, true);
    assert.equal(me.audioMutedByHost, false, 'the mute is lifted, the microphone is theirs to turn on');
    assert.equal((await live(teacher)).me.unmuteAsked, false);
    // The request survives a rejoin until answered.
    await call(father, 'POST', `/api/v1/meetings/${m.id}/leave`);
    assert.equal((await call(father, 'POST', `/api/v1/meetings/${m.id}/join`, {})).statusCode, 200);
    assert.equal((await live(father)).me.unmuteAsked, true);
    assert.equal((await call(teacher, 'POST', `/api/v1/meetings/${m.id}/unmute-request`, { accept: true })).statusCode, 404, 'the host cannot answer for them');
    assert.equal((await call(father, 'POST', `/api/v1/meetings/${m.id}/unmute-request`, { accept: false })).statusCode, 200);
    me = (await live(father)).me;
    assert.equal(me.unmuteAsked, false);
    assert.equal(me.audioMutedByHost, false);
    // A mute after the request withdraws it.
    await host({ action: 'ask_unmute', personId: father.personId });
    await host({ action: 'mute', personId: father.personId });
    me = (await live(father)).me;
    assert.equal(me.unmuteAsked, false);
    assert.equal(me.audioMutedByHost, true);
    await host({ action: 'end' });
  });

  test('spotlight: set by a host for everyone, kept through a reconnect, refused to others and for people not in the call', async () => {
    const m = await schedule(chatId, 'Собрание: в центре внимания');
    const host = (body: object) => call(teacher, 'POST', `/api/v1/meetings/${m.id}/host`, body);
    const live = async (a: Actor) => (await call(a, 'GET', `/api/v1/meetings/${m.id}/live`)).json();
    for (const a of [teacher, chair, father]) assert.equal((await call(a, 'POST', `/api/v1/meetings/${m.id}/join`, {})).statusCode, 200);
    assert.equal(
      (await call(father, 'POST', `/api/v1/meetings/${m.id}/host`, { action: 'spotlight', personId: father.personId })).json().error.code,
      'meeting_host_only',
    );
    assert.equal((await host({ action: 'spotlight', personId: other.personId })).json().error.code, 'person_not_found');
    assert.equal((await host({ action: 'spotlight', personId: chair.personId })).statusCode, 200);
    for (const a of [teacher, chair, father]) assert.equal((await live(a)).spotlightPersonId, chair.personId);
    // The chair's network drops and she returns: still in the spotlight. While away, nobody is.
    await call(teacher, 'GET', `/api/v1/meetings/${m.id}/live`);
    await call(father, 'GET', `/api/v1/meetings/${m.id}/live`);
    await call(chair, 'POST', `/api/v1/meetings/${m.id}/leave`);
    assert.equal((await live(father)).spotlightPersonId, null);
    assert.equal((await call(chair, 'POST', `/api/v1/meetings/${m.id}/join`, {})).statusCode, 200);
    assert.equal((await live(father)).spotlightPersonId, chair.personId);
    assert.equal((await host({ action: 'spotlight', personId: null })).statusCode, 200);
    assert.equal((await live(father)).spotlightPersonId, null);
    await host({ action: 'end' });
  });

  test('a student cannot be made a co-host of a lesson', async () => {
    const m = await schedule(classChatId, 'Урок');
    assert.equal((await call(teacher, 'POST', `/api/v1/meetings/${m.id}/join`, {})).statusCode, 200);
    const r = await call(teacher, 'POST', `/api/v1/meetings/${m.id}/host`, { action: 'cohost', personId: student.personId, on: true });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().error.code, 'meeting_cohost_target_invalid');
    await call(teacher, 'POST', `/api/v1/meetings/${m.id}/host`, { action: 'end' });
  });
});
