import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';

/** A row of the list. `anchor: false` marks a header row that never holds the reader's place. */
export interface VirtualItem {
  key: string;
  anchor?: boolean;
}

export interface VirtualListProps<T extends VirtualItem> {
  items: readonly T[];
  render: (item: T, index: number) => ReactNode;
  /** Height guessed for rows not measured yet. */
  estimate?: number;
  /** Called when the view comes near the top (load older rows). */
  onNearTop?: () => void;
  /** Scroll to this row (change `nonce` to scroll again to the same row). */
  jumpTo?: { key: string; nonce: number } | null;
  label: string;
  className?: string;
  /** Told whether the view sits at the bottom (newest row in view). */
  onAtBottom?: (atBottom: boolean) => void;
  /** Go to the bottom and follow new rows from there (change it to go again), as after sending. */
  toBottom?: number;
}

const OVERSCAN = 600;

/**
 * A list that renders only the rows in view (plus a margin), for histories of tens of thousands of
 * messages. Rows have any height: each is measured once shown. The view keeps its place when rows
 * are added above (older history) or change height, and follows new rows while at the bottom.
 */
export function VirtualList<T extends VirtualItem>({
  items,
  render,
  estimate = 72,
  onNearTop,
  jumpTo,
  label,
  className,
  onAtBottom,
  toBottom,
}: VirtualListProps<T>) {
  const ref = useRef<HTMLDivElement>(null);
  const heights = useRef(new Map<string, number>());
  const [version, setVersion] = useState(0);
  const [view, setView] = useState({ top: 0, height: 800 });
  const anchor = useRef<{ key: string; delta: number } | null>(null);
  const atBottom = useRef(true);
  const pending = useRef(false);

  const index = useMemo(() => new Map(items.map((it, i) => [it.key, i])), [items]);
  const offsets = useMemo(() => {
    const o = new Float64Array(items.length + 1);
    for (let i = 0; i < items.length; i++) o[i + 1] = o[i]! + (heights.current.get(items[i]!.key) ?? estimate);
    return o;
  }, [items, version, estimate]);
  const total = offsets[items.length]!;

  const rowAt = useCallback(
    (y: number) => {
      let lo = 0;
      let hi = items.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (offsets[mid]! <= y) lo = mid;
        else hi = mid - 1;
      }
      return Math.max(0, lo);
    },
    [offsets, items.length],
  );

  const observer = useMemo(
    () =>
      typeof ResizeObserver === 'undefined'
        ? null
        : new ResizeObserver((entries) => {
            let changed = false;
            for (const e of entries) {
              const key = (e.target as HTMLElement).dataset.key;
              if (!key) continue;
              const h = Math.ceil((e.target as HTMLElement).getBoundingClientRect().height);
              if (h > 0 && heights.current.get(key) !== h) {
                heights.current.set(key, h);
                changed = true;
              }
            }
            if (changed && !pending.current) {
              pending.current = true;
              requestAnimationFrame(() => {
                pending.current = false;
                setVersion((v) => v + 1);
              });
            }
          }),
    [],
  );
  useEffect(() => () => observer?.disconnect(), [observer]);

  const measure = useCallback(
    (el: HTMLElement | null) => {
      if (el && observer) observer.observe(el);
    },
    [observer],
  );

  const onScroll = useCallback(() => {
    const el = ref.current;
    if (!el) return;
    const bottom = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
    if (bottom !== atBottom.current) onAtBottom?.(bottom);
    atBottom.current = bottom;
    // The reader's place is the first content row from the top of the view: headers (`anchor:
    // false`, such as day separators and the history's start) move when older rows are loaded
    // under them, so anchoring on one would leave the view at the top showing the loaded rows.
    let i = rowAt(el.scrollTop);
    while (i < items.length - 1 && items[i]!.anchor === false) i++;
    const it = items[i];
    anchor.current = it ? { key: it.key, delta: el.scrollTop - offsets[i]! } : null;
    setView({ top: el.scrollTop, height: el.clientHeight });
    if (el.scrollTop < OVERSCAN) onNearTop?.();
  }, [items, offsets, rowAt, onNearTop, onAtBottom]);

  // Keep the place (or the bottom) whenever rows or their heights change.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    } else if (anchor.current) {
      const i = index.get(anchor.current.key);
      if (i !== undefined) {
        const want = offsets[i]! + anchor.current.delta;
        if (Math.abs(el.scrollTop - want) > 1) el.scrollTop = want;
      }
    }
    setView((v) => (v.top === el.scrollTop && v.height === el.clientHeight ? v : { top: el.scrollTop, height: el.clientHeight }));
  }, [offsets, index]);

  useLayoutEffect(() => {
    if (!jumpTo) return;
    const el = ref.current;
    const i = index.get(jumpTo.key);
    if (!el || i === undefined) return;
    atBottom.current = false;
    const delta = -Math.round(el.clientHeight / 3);
    anchor.current = { key: jumpTo.key, delta };
    el.scrollTop = Math.max(0, offsets[i]! + delta);
    onAtBottom?.(false);
  }, [jumpTo?.key, jumpTo?.nonce, index.has(jumpTo?.key ?? '')]);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!toBottom || !el) return;
    atBottom.current = true;
    anchor.current = null;
    el.scrollTop = el.scrollHeight;
    onAtBottom?.(true);
    setView({ top: el.scrollTop, height: el.clientHeight });
  }, [toBottom]);

  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => setView({ top: el.scrollTop, height: el.clientHeight }));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const first = items.length ? rowAt(Math.max(0, view.top - OVERSCAN)) : 0;
  const last = items.length ? rowAt(view.top + view.height + OVERSCAN) : -1;
  // Rows are placed with `top`, not `transform`: a transform would make each row the containing block
  // of its fixed-position popovers (reactions), drawing them under the next row and clipping them.
  const rows: ReactNode[] = [];
  for (let i = first; i <= last; i++) {
    const it = items[i]!;
    rows.push(
      <div
        key={it.key}
        data-key={it.key}
        ref={measure}
        className="vrow"
        role="listitem"
        aria-setsize={items.length}
        aria-posinset={i + 1}
        style={{ top: offsets[i] }}
      >
        {render(it, i)}
      </div>,
    );
  }
  return (
    <div ref={ref} className={`vlist ${className ?? ''}`} onScroll={onScroll} tabIndex={0} role="region" aria-label={label}>
      <div role="list" className="vlist-inner" style={{ height: total }}>
        {rows}
      </div>
    </div>
  );
}
