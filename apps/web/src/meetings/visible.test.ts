import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gridColumns, layerCeiling, spoke, visibleTiles, type FeedInfo, type Visibility } from './visible.ts';

/** A class: 30 cameras in order of arrival, and the teacher's screen share arriving last. */
const cams: FeedInfo[] = Array.from({ length: 30 }, (_, i) => ({ feedId: i + 1, personId: `p${i + 1}`, kind: 'camera' as const }));
const screen: FeedInfo = { feedId: 100, personId: 'p1', kind: 'screen' };
const base: Visibility = { layout: 'grid', page: 0, pageSize: 9, spotlight: null, pinned: null, speaker: null, recentSpeakers: [], lastN: 4 };

test('grid: a page of tiles, screens first, then the spotlight and the pinned, the rest in order of arrival', () => {
  const first = visibleTiles([...cams, screen], base);
  assert.equal(first.pages, 4);
  assert.deepEqual(
    first.tiles.map((t) => t.feedId),
    [100, 1, 2, 3, 4, 5, 6, 7, 8],
  );
  const last = visibleTiles([...cams, screen], { ...base, page: 3 });
  assert.deepEqual(
    last.tiles.map((t) => t.feedId),
    [27, 28, 29, 30],
  );
  assert.equal(visibleTiles([...cams, screen], { ...base, page: 99 }).page, 3, 'clamped to the last page');
  const lifted = visibleTiles(cams, { ...base, spotlight: 'p20', pinned: 'p25' });
  assert.deepEqual(
    lifted.tiles.slice(0, 3).map((t) => t.personId),
    ['p20', 'p25', 'p1'],
  );
  // Talking does not reorder the grid.
  assert.deepEqual(
    visibleTiles(cams, { ...base, recentSpeakers: ['p30'] }).tiles.map((t) => t.feedId),
    [1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
});

test('speaker view: the screen, else the spotlight, else the pinned, else the speaker; a strip of the last N who spoke', () => {
  const v: Visibility = { ...base, layout: 'speaker', speaker: 'p7', recentSpeakers: ['p7', 'p12', 'p3'] };
  assert.equal(visibleTiles([...cams, screen], v).main?.feedId, 100);
  assert.equal(visibleTiles(cams, { ...v, spotlight: 'p9', pinned: 'p10' }).main?.personId, 'p9');
  assert.equal(visibleTiles(cams, { ...v, pinned: 'p10' }).main?.personId, 'p10');
  const s = visibleTiles(cams, v);
  assert.equal(s.main?.personId, 'p7');
  assert.deepEqual(
    s.tiles.map((t) => t.personId),
    ['p12', 'p3', 'p1', 'p2'],
    'recent speakers first, then by arrival, N = 4',
  );
  assert.equal(visibleTiles([], v).main, null);
});

test('recent speakers: the latest first, no repeats, bounded', () => {
  let r: string[] = [];
  for (const p of ['a', 'b', 'a', 'c']) r = spoke(r, p, 2);
  assert.deepEqual(r, ['c', 'a']);
});

test('grid columns make tiles as large as the box allows', () => {
  // A wide desktop window: 4 tiles side by side would be small; 2×2 is larger.
  assert.equal(gridColumns(4, 1600, 800).columns, 2);
  // 9 tiles on a 16:9 window: 3 or 4 columns, whichever is larger; never narrower than needed.
  const nine = gridColumns(9, 1600, 900);
  assert.ok(nine.columns >= 3 && nine.columns <= 4, String(nine.columns));
  assert.ok(nine.tileWidth * nine.columns <= 1600);
  // A 360 px phone: one column for two tiles fits the height better than side by side.
  assert.equal(gridColumns(2, 344, 600).columns, 1);
  assert.equal(gridColumns(0, 800, 600).columns, 1);
});

test('the layer ceiling: full for a few tiles, lower for more, lowest to save data', () => {
  assert.equal(layerCeiling(2, false), 2);
  assert.equal(layerCeiling(4, false), 1);
  assert.equal(layerCeiling(9, false), 0);
  assert.equal(layerCeiling(1, true), 0);
});
