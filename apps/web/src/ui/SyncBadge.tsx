import { useEffect, useState } from 'react';
import { useEngine } from '../app/engine-context.ts';
import { useI18n } from '../i18n/index.ts';
import { useStore } from '../lib/store.ts';

/** The connection state, small and calm: a dot and a word; "live" stays quiet. */
export function SyncBadge() {
  const { t, plural } = useI18n();
  const engine = useEngine();
  const { status } = useStore(engine.sync);
  const queue = useStore(engine.outbox);
  const waiting = queue.filter((q) => q.status !== 'failed').length;
  // Do not flash "connecting" for a connection that comes up at once.
  const [shown, setShown] = useState(status);
  useEffect(() => {
    if (status === 'live') {
      setShown(status);
      return;
    }
    const id = setTimeout(() => setShown(status), 600);
    return () => clearTimeout(id);
  }, [status]);
  const label = t(`sync.${shown}`);
  return (
    <div className={`sync sync-${shown}`} role="status" aria-live="polite" data-sync={status}>
      <span className="dot" aria-hidden="true" />
      <span className="sync-label">{label}</span>
      {waiting > 0 && <span className="sync-queue">{plural('outbox.waiting', waiting)}</span>}
    </div>
  );
}
