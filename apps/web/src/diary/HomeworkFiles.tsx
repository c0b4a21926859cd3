import { useState } from 'react';
import { api } from '../app/state.ts';
import { filePaths } from '../sync/paths.ts';
import { useI18n } from '../i18n/index.ts';
import { formatSize } from '../ui/size.ts';

/**
 * The files set with homework, each a button that downloads it with the session (never a public
 * link): the server lets the class's families and staff read them (diary/access.ts).
 */
export function HomeworkFiles({ files, onRemove }: { files: { id: string; name: string; size: number }[]; onRemove?: (id: string) => void }) {
  const { t, locale, error } = useI18n();
  const [err, setErr] = useState<string | null>(null);
  if (files.length === 0) return null;
  async function download(f: { id: string; name: string }) {
    setErr(null);
    try {
      const url = await api.blobUrl(filePaths.download(f.id));
      const link = document.createElement('a');
      link.href = url;
      link.download = f.name;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      setErr(error(e));
    }
  }
  return (
    <ul className="plain hw-files">
      {files.map((f) => (
        <li key={f.id} className="row">
          <button type="button" className="link-btn" data-download={f.id} aria-label={t('message.download', { name: f.name })} onClick={() => void download(f)}>
            📎 {f.name}
          </button>
          <span className="hint">{formatSize(f.size, locale)}</span>
          {onRemove && (
            <button type="button" className="link-btn" aria-label={t('hw.removeFile', { name: f.name })} onClick={() => onRemove(f.id)}>
              ✕
            </button>
          )}
        </li>
      ))}
      {err && (
        <li className="error" role="alert">
          {err}
        </li>
      )}
    </ul>
  );
}
