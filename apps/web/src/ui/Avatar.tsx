import { useEffect, useState } from 'react';
import type { PhotoRef } from '@parta/protocol';
import { api } from '../app/state.ts';
import { colourOf, initials } from './chat-format.ts';

/** A profile photo (fetched with the session: photos are not public) or the initials. */
export function Avatar({ id, name, photo, size = 40 }: { id: string; name: string; photo: PhotoRef | null; size?: number }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    if (!photo) {
      setSrc(null);
      return;
    }
    const fit = photo.sizes.find((s) => s >= size * 2) ?? photo.sizes.at(-1) ?? size;
    let made: string | null = null;
    let live = true;
    api.blobUrl(photo.url.replace('{size}', String(fit))).then(
      (u) => {
        made = u;
        if (live) setSrc(u);
        else URL.revokeObjectURL(u);
      },
      () => undefined,
    );
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
    // By id: the same photo arrives as new objects whenever the member list is fetched again.
  }, [photo?.id, size]);
  return src ? (
    <img className="avatar" src={src} alt="" width={size} height={size} style={{ width: size, height: size }} />
  ) : (
    <span className="avatar" style={{ background: colourOf(id), width: size, height: size, fontSize: size * 0.4 }} aria-hidden="true" data-initials="">
      {initials(name)}
    </span>
  );
}
