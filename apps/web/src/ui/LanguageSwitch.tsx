import { api, localeStore, tokenStore } from '../app/state.ts';
import { useI18n } from '../i18n/index.ts';
import { User } from '@parta/protocol';

/** Switches the language at once; saved on the account when signed in. */
export function LanguageSwitch() {
  const { t, locale } = useI18n();
  const other = locale === 'ru' ? 'en' : 'ru';
  return (
    <button
      type="button"
      className="btn btn-ghost lang-switch"
      lang={other}
      aria-label={t('settings.switchLanguage')}
      onClick={() => {
        localeStore.set(other);
        if (tokenStore.get()) void api.patch('/api/v1/me', User, { locale: other }).catch(() => undefined);
      }}
    >
      {other === 'en' ? 'English' : 'Русский'}
    </button>
  );
}
