import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLEAN_TO_RISE, initialLayer, nextLayer, type LayerState, type LinkSample } from './layers.ts';
import * as layers from './layers.ts';

/** Feeds samples of `received` packets with `lost` of them lost and a jitter, every step. */
function run(state: LayerState, steps: { received: number; lost: number; jitter: number }[], ceiling: 0 | 1 | 2 = 2): LayerState[] {
  const out: LayerState[] = [];
  let totals: LinkSample = state.last ?? { packetsReceived: 0, packetsLost: 0, jitter: 0 };
  for (const s of steps) {
    totals = { packetsReceived: totals.packetsReceived + s.received, packetsLost: totals.packetsLost + s.lost, jitter: s.jitter };
    state = nextLayer(state, totals, ceiling);
    out.push(state);
  }
  return out;
}

const clean = { received: 300, lost: 0, jitter: 0.01 };

test('a clean link keeps the top layer', () => {
  const states = run(initialLayer(2), Array(10).fill(clean));
  assert.deepEqual(
    states.map((s) => s.layer),
    Array(10).fill(2),
  );
});

test('heavy loss steps down one layer a sample, to the lowest', () => {
  const lossy = { received: 270, lost: 30, jitter: 0.01 };
  const states = run(initialLayer(2), [clean, lossy, lossy, lossy]);
  assert.deepEqual(
    states.map((s) => s.layer),
    [2, 1, 0, 0],
  );
});

test('high jitter alone steps down', () => {
  const states = run(initialLayer(2), [clean, { received: 300, lost: 0, jitter: 0.08 }]);
  assert.equal(states.at(-1)!.layer, 1);
});

test('after a long clean run it climbs back, one layer at a time', () => {
  const down = run(initialLayer(2), [clean, { received: 200, lost: 100, jitter: 0.1 }, { received: 200, lost: 100, jitter: 0.1 }]).at(-1)!;
  assert.equal(down.layer, 0);
  const up = run(down, Array(CLEAN_TO_RISE * 2).fill(clean));
  assert.deepEqual(
    up.map((s) => s.layer),
    [...Array(CLEAN_TO_RISE - 1).fill(0), 1, ...Array(CLEAN_TO_RISE - 1).fill(1), 2],
  );
});

test('moderate loss neither drops nor climbs; silence changes nothing', () => {
  const down = run(initialLayer(1), [clean]).at(-1)!;
  const states = run(down, [...Array(CLEAN_TO_RISE - 1).fill(clean), { received: 294, lost: 6, jitter: 0.01 }, { received: 0, lost: 0, jitter: 0 }, clean]);
  assert.ok(states.every((s) => s.layer === 1));
  assert.equal(states.at(-1)!.clean, 1, 'the moderate sample reset the clean run');
});

test('never above the ceiling ("save data", many cameras); a restarted stream starts counting again', () => {
  assert.deepEqual(
    run(initialLayer(2), Array(12).fill(clean), 0).map((s) => s.layer),
    Array(12).fill(0),
  );
  const s = nextLayer(
    { layer: 2, clean: 3, last: { packetsReceived: 5000, packetsLost: 10, jitter: 0 } },
    { packetsReceived: 20, packetsLost: 0, jitter: 0 },
    2,
  );
  assert.deepEqual(s, { layer: 2, clean: 0, last: { packetsReceived: 20, packetsLost: 0, jitter: 0 } });
});

test('simulcast encodings are listed highest first, as Janus numbers its substreams (2 = full picture)', () => {
  const { SIMULCAST_ENCODINGS: enc } = layers;
  assert.equal(enc[0]!.scaleResolutionDownBy, 1, 'the first listed is the full picture (Janus: first rid = highest)');
  for (let i = 1; i < enc.length; i++) {
    assert.ok(enc[i]!.scaleResolutionDownBy! > enc[i - 1]!.scaleResolutionDownBy!, 'each next layer is smaller');
    assert.ok(enc[i]!.maxBitrate! < enc[i - 1]!.maxBitrate!, 'and cheaper');
  }
  assert.equal(layers.substreamOfRid(enc[0]!.rid!), 2);
  assert.equal(layers.substreamOfRid(enc.at(-1)!.rid!), 0);
});

test("the link's jitter is read from its audio when audio arrives (video jitter includes the sender's pacing)", () => {
  const video = { packetsReceived: 900, packetsLost: 0, jitter: 0.09 };
  assert.deepEqual(layers.linkSample(video, 0.004), { packetsReceived: 900, packetsLost: 0, jitter: 0.004 });
  assert.deepEqual(layers.linkSample(video, null), video, 'video only (audio-only subscriptions have no video; muted feeds no audio)');
  // A clean link whose video jitter is high keeps the top layer.
  let s = initialLayer(2);
  let total = 0;
  for (let i = 0; i < 6; i++) {
    total += 300;
    s = nextLayer(s, layers.linkSample({ packetsReceived: total, packetsLost: 0, jitter: 0.09 }, 0.005), 2);
  }
  assert.equal(s.layer, 2);
});
