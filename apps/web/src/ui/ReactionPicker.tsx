import { useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';

export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🙏', '👏', '😮'];

/**
 * The quick reactions, drawn above everything (fixed to the window, next to the button that opened
 * it): above the button when there is room, else below, and always inside the window. It stays in
 * the DOM right after that button, so Tab reaches it; Escape or a press outside closes it.
 */
export function ReactionPicker({
  anchor,
  label,
  onPick,
  onClose,
}: {
  anchor: RefObject<HTMLElement | null>;
  label: string;
  onPick: (emoji: string) => void;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [pos, setPos] = useState<{ top: number; left: number } | null>(null);

  useLayoutEffect(() => {
    const place = () => {
      const a = anchor.current?.getBoundingClientRect();
      const el = ref.current;
      if (!a || !el) return;
      const w = el.offsetWidth;
      const h = el.offsetHeight;
      const top = a.top - h - 6 >= 4 ? a.top - h - 6 : Math.min(a.bottom + 6, window.innerHeight - h - 4);
      const left = Math.max(4, Math.min(a.right - w, window.innerWidth - w - 4));
      setPos({ top, left });
    };
    place();
    window.addEventListener('scroll', place, true);
    window.addEventListener('resize', place);
    return () => {
      window.removeEventListener('scroll', place, true);
      window.removeEventListener('resize', place);
    };
  }, [anchor]);

  useEffect(() => {
    const away = (e: PointerEvent) => {
      const t = e.target as Node;
      if (!ref.current?.contains(t) && !anchor.current?.contains(t)) onClose();
    };
    const key = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        onClose();
        anchor.current?.focus();
      }
    };
    document.addEventListener('pointerdown', away);
    document.addEventListener('keydown', key);
    return () => {
      document.removeEventListener('pointerdown', away);
      document.removeEventListener('keydown', key);
    };
  }, [anchor, onClose]);

  return (
    <div ref={ref} className="emoji-pick" role="group" aria-label={label} style={pos ? { top: pos.top, left: pos.left } : { visibility: 'hidden' }}>
      {QUICK_REACTIONS.map((e) => (
        <button key={e} type="button" className="btn btn-ghost" onClick={() => onPick(e)} aria-label={e}>
          {e}
        </button>
      ))}
    </div>
  );
}
