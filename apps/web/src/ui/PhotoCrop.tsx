import { useEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { useI18n } from '../i18n/index.ts';
import { Button } from './kit.tsx';
import { cropFor, VIEW, type Crop } from './crop.ts';

export type { Crop };

function clampOffset(natural: { w: number; h: number }, zoom: number, o: { x: number; y: number }) {
  const scale = (zoom * VIEW) / Math.min(natural.w, natural.h);
  const w = natural.w * scale;
  const h = natural.h * scale;
  return { x: Math.min(0, Math.max(VIEW - w, o.x)), y: Math.min(0, Math.max(VIEW - h, o.y)) };
}

/** Move (drag or arrow keys) and zoom a photo inside a square frame, then upload. */
export function PhotoCrop({ file, onDone, onCancel, busy }: { file: File; onDone: (crop: Crop) => void; onCancel: () => void; busy: boolean }) {
  const { t } = useI18n();
  const [url, setUrl] = useState<string | null>(null);
  const [natural, setNatural] = useState<{ w: number; h: number } | null>(null);
  const [zoom, setZoom] = useState(1);
  const [offset, setOffset] = useState({ x: 0, y: 0 });
  const drag = useRef<{ x: number; y: number; ox: number; oy: number } | null>(null);

  useEffect(() => {
    const u = URL.createObjectURL(file);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [file]);

  const scale = natural ? (zoom * VIEW) / Math.min(natural.w, natural.h) : 1;
  const setZoomKeep = (z: number) => {
    if (!natural) return;
    // Zoom about the centre of the frame.
    const cx = (VIEW / 2 - offset.x) / scale;
    const cy = (VIEW / 2 - offset.y) / scale;
    const ns = (z * VIEW) / Math.min(natural.w, natural.h);
    setZoom(z);
    setOffset(clampOffset(natural, z, { x: VIEW / 2 - cx * ns, y: VIEW / 2 - cy * ns }));
  };

  function onPointerDown(e: PointerEvent) {
    (e.target as Element).setPointerCapture(e.pointerId);
    drag.current = { x: e.clientX, y: e.clientY, ox: offset.x, oy: offset.y };
  }
  function onPointerMove(e: PointerEvent) {
    if (!drag.current || !natural) return;
    setOffset(clampOffset(natural, zoom, { x: drag.current.ox + e.clientX - drag.current.x, y: drag.current.oy + e.clientY - drag.current.y }));
  }
  function onKey(e: KeyboardEvent) {
    if (!natural) return;
    const d = e.shiftKey ? 40 : 10;
    const move = { ArrowLeft: [d, 0], ArrowRight: [-d, 0], ArrowUp: [0, d], ArrowDown: [0, -d] }[e.key];
    if (!move) return;
    e.preventDefault();
    setOffset(clampOffset(natural, zoom, { x: offset.x + move[0]!, y: offset.y + move[1]! }));
  }

  return (
    <div className="crop">
      <div
        className="crop-frame"
        style={{ width: VIEW, height: VIEW }}
        tabIndex={0}
        role="img"
        aria-label={t('settings.cropHint')}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={() => (drag.current = null)}
        onKeyDown={onKey}
      >
        {url && (
          <img
            src={url}
            alt=""
            draggable={false}
            onLoad={(e) => {
              const img = e.currentTarget;
              const n = { w: img.naturalWidth, h: img.naturalHeight };
              setNatural(n);
              const s = VIEW / Math.min(n.w, n.h);
              setOffset({ x: (VIEW - n.w * s) / 2, y: (VIEW - n.h * s) / 2 });
            }}
            style={natural ? { width: natural.w * scale, height: natural.h * scale, transform: `translate(${offset.x}px, ${offset.y}px)` } : { opacity: 0 }}
          />
        )}
      </div>
      <label className="zoom">
        {t('settings.zoom')}
        <input type="range" min={1} max={4} step={0.05} value={zoom} onChange={(e) => setZoomKeep(Number(e.target.value))} />
      </label>
      <div className="row gap">
        <Button busy={busy} disabled={!natural} onClick={() => natural && onDone(cropFor(natural, zoom, offset))}>
          {t('settings.savePhoto')}
        </Button>
        <Button variant="secondary" onClick={onCancel}>
          {t('common.cancel')}
        </Button>
      </div>
    </div>
  );
}
