import { applyUpdate, updateReady } from '../app/sw-update.ts';
import { useI18n } from '../i18n/index.ts';
import { useStore } from '../lib/store.ts';

/** "An update is ready": shown when a new version of the app waits (app/sw-update.ts). */
export function UpdateBanner() {
  const { t } = useI18n();
  const ready = useStore(updateReady);
  if (!ready) return null;
  return (
    <div className="update-banner" role="status" aria-live="polite">
      <span>{t('update.ready')}</span>
      <button className="btn btn-primary" type="button" onClick={applyUpdate}>
        {t('update.reload')}
      </button>
    </div>
  );
}
