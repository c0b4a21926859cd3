import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { JanusAdapter } from './janus.ts';
import { MediaError, sdpMids } from './adapter.ts';
import type { JanusInstance } from './janus-process.ts';
import { sdpOffer, startTestJanus } from './testing.ts';

/** The media adapter's contract, against a real Janus started here. */
describe('Janus media adapter', async () => {
  const started = await startTestJanus();
  if ('skip' in started) {
    test('Janus contract', { skip: started.skip }, () => {});
    return;
  }
  const { janus, dir } = started as { janus: JanusInstance; dir: string };
  let media: JanusAdapter;
  before(async () => {
    media = new JanusAdapter({ url: janus.wsUrl, apiSecret: janus.apiSecret, adminKey: janus.adminKey });
    await media.connect();
  });
  after(async () => {
    await media.close();
    await janus.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const room = { room: 4242, secret: 'room-secret', pin: 'room-pin', description: 'test', publishers: 6, bitrate: 512_000, simulcast: true };

  test('requests without the API secret are refused', async () => {
    const bare = new JanusAdapter({ url: janus.wsUrl });
    await assert.rejects(bare.connect(), (e: unknown) => e instanceof MediaError && /secret|unauthorized/i.test(e.message));
    await bare.close();
  });

  test('rooms need the admin key to be created', async () => {
    const noKey = new JanusAdapter({ url: janus.wsUrl, apiSecret: janus.apiSecret });
    await assert.rejects(noKey.createRoom({ ...room, room: 9 }), MediaError);
    await noKey.close();
  });

  test('create, exists, publish, subscribe, moderate, kick, list, destroy', async () => {
    await media.createRoom(room);
    assert.equal(await media.roomExists(room.room), true);
    assert.deepEqual(await media.listParticipants(room.room), []);

    await assert.rejects(media.publish({ room: room.room, pin: 'wrong', display: 'x', offer: sdpOffer() }), MediaError);

    const offer = sdpOffer();
    const pub = await media.publish({ room: room.room, pin: room.pin, display: 'Teacher', offer });
    assert.match(pub.answer, /^v=0/);
    assert.match(pub.answer, /m=audio/);
    assert.ok(pub.feedId > 0);
    const listed = await media.listParticipants(room.room);
    // Listed at once; `publisher` turns true only when its media flows (no ICE in this test).
    assert.deepEqual(
      listed.map((p) => [p.feedId, p.display]),
      [[pub.feedId, 'Teacher']],
    );

    // A feed is subscribable once its media flows: this peer never connects ICE, so Janus says
    // "no such feed". Subscribing to flowing media is proven by the browser test (apps/web/e2e/meeting.e2e.ts, run by .ci/steps/30-browser.sh).
    await assert.rejects(media.subscribe({ room: room.room, pin: room.pin, feedId: pub.feedId }), (e: unknown) => e instanceof MediaError && e.code === 428);

    const mids = sdpMids(offer);
    await media.moderate({ room: room.room, secret: room.secret, feedId: pub.feedId, mid: mids.audioMid!, mute: true });
    await assert.rejects(media.moderate({ room: room.room, secret: 'not-the-secret', feedId: pub.feedId, mid: mids.audioMid!, mute: false }), MediaError);
    await media.moderate({ room: room.room, secret: room.secret, feedId: pub.feedId, mid: mids.audioMid!, mute: false });

    await assert.rejects(media.kick({ room: room.room, secret: 'not-the-secret', feedId: pub.feedId }), MediaError);
    await media.kick({ room: room.room, secret: room.secret, feedId: pub.feedId });
    assert.deepEqual(await media.listParticipants(room.room), []);
    await media.leave(pub.handleId);

    await assert.rejects(media.destroyRoom(room.room, 'not-the-secret'), MediaError);
    await media.destroyRoom(room.room, room.secret);
    assert.equal(await media.roomExists(room.room), false);
  });

  test('an expired Janus session is replaced: the request is retried, listeners hear of the reset', async () => {
    let resets = 0;
    const off = media.onReset(() => resets++);
    // Destroy the adapter's session behind its back, as Janus does after session_timeout.
    const inner = media as unknown as { send(b: object): Promise<unknown>; session: number };
    await inner.send({ janus: 'destroy', session_id: inner.session });
    await media.createRoom({ ...room, room: 88 });
    assert.equal(resets, 1);
    assert.equal(await media.roomExists(88), true);
    await media.destroyRoom(88, room.secret);
    off();
  });

  test('after Janus restarts, the adapter reconnects and reports that rooms are gone', async () => {
    await media.createRoom({ ...room, room: 77 });
    let resets = 0;
    const gotReset = new Promise<void>((resolve) => media.onReset(() => (resets++, resolve())));
    // Kill the connection as a restart would: the adapter must come back on its own.
    (media as unknown as { ws: { terminate(): void } }).ws.terminate();
    await gotReset;
    assert.equal(resets, 1);
    assert.equal(media.ready(), true);
    // Same Janus here, so the room is still there; a new session can administer it.
    await media.destroyRoom(77, room.secret);
  });
});
