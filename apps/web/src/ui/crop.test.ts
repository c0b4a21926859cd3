import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cropFor, VIEW } from './crop.ts';
import { placeMentions } from './mentions.ts';

test('the crop of a photo shown at zoom 1, centred, is its central square', () => {
  // 1200×800: the short side (800) fills the frame, centred horizontally.
  const scale = VIEW / 800;
  const crop = cropFor({ w: 1200, h: 800 }, 1, { x: (VIEW - 1200 * scale) / 2, y: 0 });
  assert.deepEqual(crop, { cropLeft: 200, cropTop: 0, cropSize: 800 });
});

test('zooming in crops a smaller square; the crop never leaves the image', () => {
  const crop = cropFor({ w: 1000, h: 1000 }, 2, { x: -VIEW / 2, y: -VIEW / 2 });
  assert.deepEqual(crop, { cropLeft: 250, cropTop: 250, cropSize: 500 });
  const far = cropFor({ w: 1000, h: 1000 }, 2, { x: -10_000, y: 50 });
  assert.equal(far.cropLeft, 500);
  assert.equal(far.cropTop, 0);
});

test('mentions are placed where their text is, in order, even after edits around them', () => {
  const chosen = [
    { label: '@Елена Смирнова', personId: 'p1' },
    { label: '@Ирина Волкова', personId: 'p2' },
  ];
  const text = 'Здравствуйте, @Елена Смирнова и @Ирина Волкова!';
  assert.deepEqual(placeMentions(text, chosen), [
    { offset: 14, length: 15, personId: 'p1' },
    { offset: 32, length: 14, personId: 'p2' },
  ]);
  assert.deepEqual(placeMentions('Здравствуйте, @Ирина Волкова', chosen), [{ offset: 14, length: 14, personId: 'p2' }]);
});
