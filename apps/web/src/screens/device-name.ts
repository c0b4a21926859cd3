import { localeStore } from '../app/state.ts';

/**
 * The name this device gets in the list of sessions, in the language of the app when signing in:
 * «Chrome на Android», «Яндекс Браузер на Windows», «Safari на iPhone».
 */
export function deviceName(ua = navigator.userAgent, locale = localeStore.get()): string {
  const ru = locale === 'ru';
  const os = /Android/.test(ua)
    ? 'Android'
    : /iPhone/.test(ua)
      ? 'iPhone'
      : /iPad/.test(ua)
        ? 'iPad'
        : /Windows/.test(ua)
          ? 'Windows'
          : /Mac OS/.test(ua)
            ? 'macOS'
            : /Linux/.test(ua)
              ? 'Linux'
              : '';
  const browser = /Firefox\//.test(ua)
    ? 'Firefox'
    : /Edg\//.test(ua)
      ? 'Edge'
      : /YaBrowser\//.test(ua)
        ? ru
          ? 'Яндекс Браузер'
          : 'Yandex Browser'
        : /Chrome\//.test(ua)
          ? 'Chrome'
          : /Safari\//.test(ua)
            ? 'Safari'
            : ru
              ? 'Браузер'
              : 'Browser';
  return os ? `${browser} ${ru ? 'на' : 'on'} ${os}` : browser;
}
