import { useEffect, useState } from 'react';
import { ChatNotifySettings, type MuteFor, type NotifyLevel } from '@parta/protocol';
import { pushPaths } from '../app/push.ts';
import { api } from '../app/state.ts';
import { useI18n } from '../i18n/index.ts';
import { Select } from './kit.tsx';

const LEVELS: NotifyLevel[] = ['all', 'important', 'none'];
const MUTES = ['1h', '8h', '1d', 'forever'] as const;

/** This chat's notifications for me: all / mentions and teachers / nothing, and a mute. */
export function ChatNotify({ chatId }: { chatId: string }) {
  const { t, error, date, time } = useI18n();
  const [s, setS] = useState<ChatNotifySettings | null>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    api.get(pushPaths.chat(chatId), ChatNotifySettings).then(setS, (e) => setErr(error(e)));
  }, [chatId, error]);
  const save = (body: { level?: NotifyLevel; mute?: MuteFor }) => api.put(pushPaths.chat(chatId), ChatNotifySettings, body).then(setS, (e) => setErr(error(e)));
  if (!s)
    return err ? (
      <p className="error small" role="alert">
        {err}
      </p>
    ) : null;
  const muted = s.mutedUntil && new Date(s.mutedUntil).getTime() > Date.now() ? s.mutedUntil : null;
  return (
    <div className="chat-notify">
      <Select label={t('push.level')} value={s.level} onChange={(e) => void save({ level: e.target.value as NotifyLevel })}>
        {LEVELS.map((l) => (
          <option key={l} value={l}>
            {t(`push.level.${l}`)}
          </option>
        ))}
      </Select>
      <Select label={t('push.mute')} value="" onChange={(e) => void save({ mute: (e.target.value || null) as MuteFor })}>
        <option value="">{muted ? t('push.mutedUntil', { when: `${date(muted)} ${time(muted)}` }) : t('push.mute.off')}</option>
        {MUTES.map((m) => (
          <option key={m} value={m}>
            {t(`push.mute.${m}`)}
          </option>
        ))}
      </Select>
      {err && (
        <p className="error small" role="alert">
          {err}
        </p>
      )}
    </div>
  );
}
