import { useCallback, useState } from 'react';
import { useI18n } from '../i18n/index.ts';

/**
 * An action started from a form or a button: `run` clears the last error, marks the form busy,
 * and shows what went wrong in the reader's language. It resolves true when the action succeeded.
 */
export function useAction() {
  const { error } = useI18n();
  const [err, setErr] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = useCallback(
    async (fn: () => Promise<unknown>) => {
      setErr(null);
      setBusy(true);
      try {
        await fn();
        return true;
      } catch (e) {
        setErr(error(e));
        return false;
      } finally {
        setBusy(false);
      }
    },
    [error],
  );
  return { err, busy, run };
}
