/** Side of the square crop frame on screen, in CSS pixels. */
export const VIEW = 240;

export interface Crop {
  cropLeft: number;
  cropTop: number;
  cropSize: number;
}

/** Square crop in the image's own pixels from the view's zoom and offset. */
export function cropFor(natural: { w: number; h: number }, zoom: number, offset: { x: number; y: number }, view = VIEW): Crop {
  const scale = (zoom * view) / Math.min(natural.w, natural.h);
  const size = Math.min(Math.round(view / scale), natural.w, natural.h);
  const left = Math.round(Math.min(Math.max(0, -offset.x / scale), natural.w - size));
  const top = Math.round(Math.min(Math.max(0, -offset.y / scale), natural.h - size));
  return { cropLeft: left, cropTop: top, cropSize: size };
}
