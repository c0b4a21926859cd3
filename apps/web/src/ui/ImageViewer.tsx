import { useEffect, useState } from 'react';
import Lightbox from 'yet-another-react-lightbox';
import Zoom from 'yet-another-react-lightbox/plugins/zoom';
import Download from 'yet-another-react-lightbox/plugins/download';
import 'yet-another-react-lightbox/styles.css';
import type { MessageAttachment } from '@parta/protocol';
import { api } from '../app/state.ts';
import { filePaths } from '../sync/paths.ts';
import { useI18n } from '../i18n/index.ts';

/**
 * A message's images, full size, in a viewer over the page (yet-another-react-lightbox): zoom with
 * the buttons, the wheel, a double click or two fingers; swipe, drag or arrow keys to the next
 * image; Escape closes. Images are fetched with the session (never public links) as blobs.
 */
export default function ImageViewer({ images, index, onClose }: { images: MessageAttachment[]; index: number; onClose: () => void }) {
  const { t } = useI18n();
  const [urls, setUrls] = useState<Record<string, string>>({});
  useEffect(() => {
    let live = true;
    const made: string[] = [];
    for (const a of images) {
      api.blobUrl(a.url ?? filePaths.download(a.id)).then(
        (u) => {
          made.push(u);
          if (live) setUrls((all) => ({ ...all, [a.id]: u }));
          else URL.revokeObjectURL(u);
        },
        () => undefined,
      );
    }
    return () => {
      live = false;
      for (const u of made) URL.revokeObjectURL(u);
    };
  }, [images]);
  const slides = images.map((a) => ({
    src: urls[a.id] ?? '',
    alt: a.name,
    ...(a.width && a.height ? { width: a.width, height: a.height } : {}),
    download: { url: urls[a.id] ?? '', filename: a.name },
  }));
  return (
    <Lightbox
      open
      close={onClose}
      index={index}
      slides={slides}
      plugins={[Zoom, Download]}
      zoom={{ maxZoomPixelRatio: 4, scrollToZoom: true }}
      carousel={{ finite: true, preload: 1 }}
      controller={{ closeOnBackdropClick: true }}
      labels={{
        Previous: t('viewer.prev'),
        Next: t('viewer.next'),
        Close: t('common.close'),
        Lightbox: t('viewer.label'),
        Carousel: t('viewer.label'),
        'Photo gallery': t('viewer.label'),
        Slide: t('viewer.slide'),
        '{index} of {total}': t('viewer.slideOf'),
        'Zoom in': t('viewer.zoomIn'),
        'Zoom out': t('viewer.zoomOut'),
        Download: t('viewer.download'),
      }}
    />
  );
}
