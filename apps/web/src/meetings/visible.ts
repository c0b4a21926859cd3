/**
 * Which tiles are on screen, so which feeds' video this browser receives. Audio comes from every
 * feed regardless; video only for what is shown:
 * - grid: the current page (screens first, then the spotlit speaker, the pinned one, then the
 *   others in order of arrival, so tiles do not jump about as people talk);
 * - speaker view: the main tile (a screen, else the spotlight, else the pinned, else whoever
 *   speaks) and a strip of the last N who spoke.
 * A class of 30 cameras and a screen thus costs one PeerConnection and at most a page of decoders.
 */

export interface FeedInfo {
  feedId: number;
  personId: string;
  kind: 'camera' | 'screen';
}

export interface Visibility {
  layout: 'grid' | 'speaker';
  /** 0-based; clamped to the pages there are. */
  page: number;
  pageSize: number;
  /** Chosen by the host for everyone. */
  spotlight: string | null;
  /** Chosen by me, for me. */
  pinned: string | null;
  /** The current speaker (speaking.ts), shown large in the speaker view. */
  speaker: string | null;
  /** Who spoke, most recent first. */
  recentSpeakers: string[];
  /** Tiles in the speaker view's strip. */
  lastN: number;
}

export interface Shown<T extends FeedInfo> {
  /** The large tile (speaker view) or null (grid). */
  main: T | null;
  /** Grid tiles on this page, or the speaker view's strip. */
  tiles: T[];
  page: number;
  pages: number;
}

function ordered<T extends FeedInfo>(feeds: T[], v: Pick<Visibility, 'spotlight' | 'pinned'>): T[] {
  const rank = (f: T) => (f.kind === 'screen' ? 0 : f.personId === v.spotlight ? 1 : f.personId === v.pinned ? 2 : 3);
  return feeds
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
    .map((x) => x.f);
}

export function visibleTiles<T extends FeedInfo>(feeds: T[], v: Visibility): Shown<T> {
  const all = ordered(feeds, v);
  if (v.layout === 'grid') {
    const size = Math.max(1, v.pageSize);
    const pages = Math.max(1, Math.ceil(all.length / size));
    const page = Math.min(Math.max(0, v.page), pages - 1);
    return { main: null, tiles: all.slice(page * size, page * size + size), page, pages };
  }
  const cameraOf = (personId: string | null) => (personId ? all.find((f) => f.kind === 'camera' && f.personId === personId) : undefined);
  const main = all.find((f) => f.kind === 'screen') ?? cameraOf(v.spotlight) ?? cameraOf(v.pinned) ?? cameraOf(v.speaker) ?? all[0] ?? null;
  const rest = all.filter((f) => f !== main);
  const recency = (f: T) => {
    const i = v.recentSpeakers.indexOf(f.personId);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  const strip = rest
    .map((f, i) => ({ f, i }))
    .sort((a, b) => recency(a.f) - recency(b.f) || a.i - b.i)
    .map((x) => x.f)
    .slice(0, Math.max(0, v.lastN));
  return { main, tiles: strip, page: 0, pages: 1 };
}

/** Moves a speaker to the front of the recent list (kept to `max`). */
export function spoke(recent: string[], personId: string, max = 12): string[] {
  return [personId, ...recent.filter((p) => p !== personId)].slice(0, max);
}

/**
 * The grid's columns for `n` tiles of aspect 4:3 in a `width`×`height` box, with `gap` between
 * them: the count that makes each tile as large as the box allows.
 */
export function gridColumns(n: number, width: number, height: number, gap = 8): { columns: number; tileWidth: number } {
  if (n <= 0 || width <= 0) return { columns: 1, tileWidth: Math.max(0, width) };
  let best = { columns: 1, tileWidth: 0 };
  for (let columns = 1; columns <= n; columns++) {
    const rows = Math.ceil(n / columns);
    const byWidth = (width - gap * (columns - 1)) / columns;
    const byHeight = height > 0 ? ((height - gap * (rows - 1)) / rows) * (4 / 3) : byWidth;
    const tileWidth = Math.floor(Math.min(byWidth, byHeight));
    if (tileWidth > best.tileWidth) best = { columns, tileWidth };
  }
  return best;
}

/**
 * The highest simulcast layer to ask for, from how many videos are on screen: the full picture for
 * up to three, the middle layer for a few, the lowest for a full page or with «Экономить трафик».
 */
export function layerCeiling(shownVideos: number, lowBandwidth: boolean): 0 | 1 | 2 {
  if (lowBandwidth || shownVideos >= 9) return 0;
  return shownVideos >= 4 ? 1 : 2;
}
