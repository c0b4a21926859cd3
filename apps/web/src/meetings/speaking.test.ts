import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickSpeaker } from './speaking.ts';

const A = 'a';
const B = 'b';

test('the loudest unmuted participant speaks', () => {
  assert.deepEqual(
    pickSpeaker(
      [
        { personId: A, level: 0.1, muted: false },
        { personId: B, level: 0.3, muted: false },
      ],
      null,
    ),
    { speaking: B, speaker: B },
  );
});

test('a muted participant never shows «говорит», even with a level left over', () => {
  assert.deepEqual(
    pickSpeaker(
      [
        { personId: A, level: 0.5, muted: true },
        { personId: B, level: 0.05, muted: false },
      ],
      A,
    ),
    { speaking: B, speaker: B },
  );
  assert.deepEqual(pickSpeaker([{ personId: A, level: 0.5, muted: true }], null), { speaking: null, speaker: null });
});

test('in a pause nobody speaks; the speaker view keeps the last speaker unless they were muted or left', () => {
  assert.deepEqual(pickSpeaker([{ personId: A, level: 0, muted: false }], A), { speaking: null, speaker: A });
  assert.deepEqual(pickSpeaker([{ personId: A, level: 0, muted: true }], A), { speaking: null, speaker: null }, 'muted by the host: no longer the speaker');
  assert.deepEqual(pickSpeaker([{ personId: B, level: 0, muted: false }], A), { speaking: null, speaker: null }, 'gone');
});
