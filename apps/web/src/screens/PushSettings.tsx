import { useEffect, useState } from 'react';
import type { DevicePush, MuteFor, NotifyLevel } from '@parta/protocol';
import { devicePush, disablePush, enablePush, pushSupported, setDevicePush } from '../app/push.ts';
import { useI18n } from '../i18n/index.ts';
import { Button, ErrorNote, Select } from '../ui/kit.tsx';

const LEVELS: NotifyLevel[] = ['all', 'important', 'none'];
const MUTES = ['1h', '8h', '1d', 'forever'] as const;

/** Settings: push notifications of this device, their level and a mute. */
export function PushSettings() {
  const { t, error, date, time } = useI18n();
  const [state, setState] = useState<DevicePush | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const supported = pushSupported();
  const denied = supported && Notification.permission === 'denied';

  useEffect(() => {
    if (supported) devicePush().then(setState, (e) => setErr(error(e)));
  }, [supported, error]);

  const act = (work: Promise<DevicePush | null>) =>
    work.then(
      (s) => s && setState(s),
      (e) => setErr(error(e)),
    );
  const muted = state?.mutedUntil && new Date(state.mutedUntil).getTime() > Date.now() ? state.mutedUntil : null;
  return (
    <section className="card" aria-labelledby="push-h">
      <h2 id="push-h">{t('push.title')}</h2>
      <p className="muted">{t('push.explain')}</p>
      {!supported && <p className="muted">{t('push.unsupported')}</p>}
      {denied && <p className="muted">{t('push.denied')}</p>}
      {supported && !denied && state && !state.subscribed && <Button onClick={() => void act(enablePush())}>{t('push.enable')}</Button>}
      {state?.subscribed && (
        <>
          <p className="ok" role="status">
            {t('push.on')}
          </p>
          <Select label={t('push.level')} value={state.level} onChange={(e) => void act(setDevicePush({ level: e.target.value as NotifyLevel }))}>
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {t(`push.level.${l}`)}
              </option>
            ))}
          </Select>
          <Select label={t('push.mute')} value="" onChange={(e) => void act(setDevicePush({ mute: (e.target.value || null) as MuteFor }))}>
            <option value="">{muted ? t('push.mutedUntil', { when: `${date(muted)} ${time(muted)}` }) : t('push.mute.off')}</option>
            {MUTES.map((m) => (
              <option key={m} value={m}>
                {t(`push.mute.${m}`)}
              </option>
            ))}
          </Select>
          <Button variant="secondary" onClick={() => void act(disablePush().then(devicePush))}>
            {t('push.disable')}
          </Button>
        </>
      )}
      <ErrorNote>{err}</ErrorNote>
    </section>
  );
}
