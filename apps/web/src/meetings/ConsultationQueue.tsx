import { useEffect, useState } from 'react';
import { ConsultationQueue as Queue } from '@parta/protocol';
import { api } from '../app/state.ts';
import { useMinT } from './minutes-i18n.ts';

/** In a consultation call's waiting room: «Вы следующие», or how many families are before yours. Nothing for other meetings. */
export function ConsultationQueue({ meetingId }: { meetingId: string }) {
  const { at } = useMinT();
  const [q, setQ] = useState<Queue | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      api.get(`/api/v1/meetings/${meetingId}/queue`, Queue).then(
        (x) => live && setQ(x),
        () => live && setQ(null),
      );
    void load();
    const timer = setInterval(load, 5_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [meetingId]);
  if (!q) return null;
  return (
    <p className="note" role="status" data-queue={q.position}>
      {q.position === 0 ? at('c.turn') : q.position === 1 ? at('c.next') : at('c.position', { n: q.position })}
    </p>
  );
}
