import { useEffect, useRef, useState } from 'react';
import { StickerPack } from '@parta/protocol';
import { api } from '../app/state.ts';
import { useI18n } from '../i18n/index.ts';
import { filePaths } from '../sync/paths.ts';

/** The school's sticker pack: a grid of buttons; arrow keys move, Escape closes. */
export function StickerPicker({ onPick, onClose }: { onPick: (id: string) => void; onClose: () => void }) {
  const { t, error, locale } = useI18n();
  const [pack, setPack] = useState<StickerPack | null>(null);
  const [urls, setUrls] = useState<Record<string, string>>({});
  const [err, setErr] = useState<string | null>(null);
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let live = true;
    const made: string[] = [];
    api.get(filePaths.stickers(), StickerPack).then(
      (p) => {
        if (!live) return;
        setPack(p);
        for (const s of p.stickers) {
          api.blobUrl(s.url).then(
            (u) => {
              made.push(u);
              if (live) setUrls((x) => ({ ...x, [s.id]: u }));
            },
            () => undefined,
          );
        }
      },
      (e) => live && setErr(error(e)),
    );
    return () => {
      live = false;
      made.forEach((u) => URL.revokeObjectURL(u));
    };
  }, [error]);

  useEffect(() => {
    if (pack?.stickers.length) box.current?.querySelector('button')?.focus();
  }, [pack]);

  return (
    <div
      className="sticker-picker"
      role="dialog"
      aria-label={t('composer.stickers')}
      ref={box}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
        const buttons = Array.from(box.current?.querySelectorAll('button') ?? []);
        const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
        const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : e.key === 'ArrowDown' ? 4 : e.key === 'ArrowUp' ? -4 : 0;
        if (step && i >= 0) {
          e.preventDefault();
          buttons[Math.min(buttons.length - 1, Math.max(0, i + step))]?.focus();
        }
      }}
    >
      {err && <p className="error small">{err}</p>}
      {!pack && !err && <p className="muted small">{t('common.loading')}</p>}
      <div className="sticker-grid">
        {pack?.stickers.map((s) => (
          <button key={s.id} type="button" className="btn btn-ghost" aria-label={s.name[locale]} title={s.name[locale]} onClick={() => onPick(s.id)}>
            {urls[s.id] ? <img src={urls[s.id]} alt="" width={64} height={64} /> : <span className="sticker-empty" />}
          </button>
        ))}
      </div>
    </div>
  );
}
