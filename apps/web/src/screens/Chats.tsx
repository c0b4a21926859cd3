import { useI18n } from '../i18n/index.ts';
import { ChatList } from './ChatList.tsx';
import { ChatView } from './ChatView.tsx';

/** The chat list beside the open chat (on a phone: one or the other). */
export function ChatsScreen({ mode, chatId }: { mode: 'chats' | 'channels'; chatId: string | null }) {
  const { t } = useI18n();
  return (
    <div className={`split ${chatId ? 'with-chat' : ''}`}>
      <aside className="split-list" aria-label={mode === 'channels' ? t('nav.channels') : t('nav.chats')}>
        <h1 className="sr-only">{mode === 'channels' ? t('nav.channels') : t('nav.chats')}</h1>
        <ChatList mode={mode} activeId={chatId} />
      </aside>
      <main className="split-main" id="main">
        {chatId ? (
          <ChatView key={chatId} chatId={chatId} mode={mode} />
        ) : (
          <div className="center muted">
            <p>{t('chats.pick')}</p>
          </div>
        )}
      </main>
    </div>
  );
}
