import type { ReactNode } from 'react';
import type { MessageEntity } from '@parta/protocol';

/** Plain text with its mentions and links; never HTML. `highlight` marks search terms. */
export function MessageText({
  text,
  entities,
  myPersonId,
  highlight,
}: {
  text: string;
  entities: readonly MessageEntity[];
  myPersonId?: string;
  highlight?: readonly string[];
}) {
  const parts: ReactNode[] = [];
  let at = 0;
  const sorted = [...entities].sort((a, b) => a.offset - b.offset);
  for (const e of sorted) {
    if (e.offset < at || e.offset + e.length > text.length) continue;
    if (e.offset > at) parts.push(<Marked key={`t${at}`} text={text.slice(at, e.offset)} terms={highlight} />);
    const piece = text.slice(e.offset, e.offset + e.length);
    if (e.type === 'mention') {
      parts.push(
        <span key={`m${e.offset}`} className={`mention ${e.personId === myPersonId ? 'mention-me' : ''}`}>
          {piece}
        </span>,
      );
    } else if (/^https?:\/\//i.test(e.url)) {
      parts.push(
        <a key={`l${e.offset}`} href={e.url} target="_blank" rel="noopener noreferrer nofollow">
          {piece}
        </a>,
      );
    } else {
      parts.push(<Marked key={`x${e.offset}`} text={piece} terms={highlight} />);
    }
    at = e.offset + e.length;
  }
  if (at < text.length) parts.push(<Marked key={`t${at}`} text={text.slice(at)} terms={highlight} />);
  return <>{parts}</>;
}

/** Words of the query, with Russian endings loosened ("собрания" also marks "собрание"). */
export function searchTerms(q: string): string[] {
  return q
    .toLocaleLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length >= 2)
    .map((w) => (w.length > 4 ? w.slice(0, Math.max(3, w.length - 2)) : w));
}

export function Marked({ text, terms }: { text: string; terms?: readonly string[] }) {
  if (!terms?.length) return <>{text}</>;
  const escaped = terms.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const re = new RegExp(`(${escaped.join('|')})[\\p{L}\\p{N}]*`, 'giu');
  const out: ReactNode[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    const i = m.index ?? 0;
    if (i > last) out.push(text.slice(last, i));
    out.push(<mark key={i}>{m[0]}</mark>);
    last = i + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return <>{out}</>;
}
