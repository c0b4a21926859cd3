import { useEffect, useState } from 'react';
import { CallbackResult, ChatBots, type InlineKeyboard, type Message } from '@parta/protocol';
import type { z } from 'zod';
import { api } from '../app/state.ts';
import { useEngine } from '../app/engine-context.ts';
import { useI18n } from '../i18n/index.ts';
import { useStore } from '../lib/store.ts';

/** The bot badge beside a bot's name. */
export function BotBadge() {
  const { t } = useI18n();
  return (
    <span className="bot-badge" title={t('bots.badge')} role="img" aria-label={t('bots.badge')}>
      {t('bots.badgeShort')}
    </span>
  );
}

const safeUrl = (url: string) => /^https?:\/\//i.test(url);

/**
 * The buttons under a bot's message. A button with callback data tells the bot it was pressed
 * (the bot's answer, if any, is shown under the buttons); a link opens in a new tab. Labels are
 * plain text, never HTML.
 */
export function InlineKeyboardView({ message, keyboard }: { message: Message; keyboard: InlineKeyboard }) {
  const { t, error } = useI18n();
  const engine = useEngine();
  const answers = useStore(engine.botAnswers);
  const answer = answers[message.id];
  const [pending, setPending] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);

  useEffect(() => {
    if (answer) setPending(null);
    if (answer?.showAlert && answer.text) window.alert(answer.text);
  }, [answer]);

  async function press(data: string) {
    setErr(null);
    setPending(data);
    try {
      await api.post(`/api/v1/chats/${message.chatId}/messages/${message.id}/callback`, CallbackResult, { data });
    } catch (e) {
      setPending(null);
      setErr(error(e));
    }
    // A bot that does not answer leaves the button waiting no longer than this.
    setTimeout(() => setPending((p) => (p === data ? null : p)), 8000);
  }

  return (
    <div className="bot-keyboard" role="group" aria-label={t('bots.keyboard')}>
      {keyboard.map((row, i) => (
        <div className="bot-keyboard-row" key={i}>
          {row.map((b, j) =>
            b.url && safeUrl(b.url) ? (
              <a key={j} className="btn btn-secondary bot-button" href={b.url} target="_blank" rel="noopener noreferrer nofollow">
                {b.text} ↗
              </a>
            ) : (
              <button
                key={j}
                type="button"
                className="btn btn-secondary bot-button"
                aria-busy={pending === b.callbackData || undefined}
                disabled={!b.callbackData || pending !== null}
                onClick={() => b.callbackData && void press(b.callbackData)}
              >
                {b.text}
              </button>
            ),
          )}
        </div>
      ))}
      {answer?.text && !answer.showAlert && (
        <p className="small muted bot-answer" role="status">
          {answer.text}
        </p>
      )}
      {err && (
        <p className="error small" role="alert">
          {err}
        </p>
      )}
    </div>
  );
}

type Bots = z.infer<typeof ChatBots>['bots'];

/** Told to the chat's members: which bots are here, and which of them read every message (privacy off). */
export function ChatBotsNotice({ chatId }: { chatId: string }) {
  const { t } = useI18n();
  const [bots, setBots] = useState<Bots>([]);
  useEffect(() => {
    let live = true;
    api.get(`/api/v1/chats/${chatId}/bots`, ChatBots).then(
      (r) => live && setBots(r.bots),
      () => live && setBots([]),
    );
    return () => {
      live = false;
    };
  }, [chatId]);
  const readers = bots.filter((b) => b.readsAll);
  if (readers.length === 0) return null;
  return (
    <p className="bot-notice small" role="note">
      {t('bots.readsAll', { names: readers.map((b) => b.name).join(', ') })}
    </p>
  );
}
