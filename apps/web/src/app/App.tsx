import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { I18nContext, translator, useI18n } from '../i18n/index.ts';
import { useStore } from '../lib/store.ts';
import { match, navigate, useLocation } from '../lib/router.ts';
import { api, currentMembership, loadMe, localeStore, meStore, schoolStore, signOutLocally, tokenStore } from './state.ts';
import { SyncEngine } from '../sync/engine.ts';
import { EngineContext, useEngine } from './engine-context.ts';
import { useInstallOffer, useUnreadAttention } from './attention.ts';
import { SignIn } from '../screens/SignIn.tsx';
import { Link } from '../screens/Link.tsx';
import { ChatsScreen } from '../screens/Chats.tsx';
import { SyncBadge } from '../ui/SyncBadge.tsx';
import { UpdateBanner } from '../ui/UpdateBanner.tsx';
import { Icon } from '../ui/kit.tsx';
import { PasskeyOffer } from '../screens/Passkeys.tsx';

const Settings = lazy(() => import('../screens/Settings.tsx'));
const Admin = lazy(() => import('../screens/Admin.tsx'));
const Search = lazy(() => import('../screens/Search.tsx'));
const MeetingScreen = lazy(() => import('../meetings/MeetingScreen.tsx'));
const ChatMeetings = lazy(() => import('../meetings/ChatMeetings.tsx'));
const Diary = lazy(() => import('../diary/DiaryScreen.tsx'));
const NewGroup = lazy(() => import('../screens/NewGroup.tsx'));

export function App() {
  const locale = useStore(localeStore);
  const i18n = useMemo(() => translator(locale), [locale]);
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  return (
    <I18nContext.Provider value={i18n}>
      <Root />
      <UpdateBanner />
    </I18nContext.Provider>
  );
}

function Root() {
  const { t, error } = useI18n();
  const token = useStore(tokenStore);
  const me = useStore(meStore);
  const [loadErr, setLoadErr] = useState<unknown>(null);
  const { path } = useLocation();
  const inSchool = !!token && !!me && me.schools.length > 0 && path !== '/join';
  // Signed in, the title carries the unread count (Shell); elsewhere it is the app's name.
  useEffect(() => {
    if (!inSchool) document.title = t('app.name');
  }, [inSchool, t]);

  useEffect(() => {
    if (!token || me) return;
    setLoadErr(null);
    loadMe().catch((e) => setLoadErr(e));
  }, [token, me]);

  if (!token) return <SignIn />;
  if (!me) {
    return (
      <main className="center" id="main">
        {loadErr ? (
          <div className="stack">
            <p role="alert">{error(loadErr)}</p>
            <button
              className="btn btn-primary"
              type="button"
              onClick={() => {
                setLoadErr(null);
                loadMe().catch(setLoadErr);
              }}
            >
              {t('common.retry')}
            </button>
          </div>
        ) : (
          <p aria-live="polite">{t('common.loading')}</p>
        )}
      </main>
    );
  }
  // An invitation link opens the invitation (also for an account already in a school: a second school).
  if (me.schools.length === 0 || path === '/join') return <Link />;
  return <SignedIn key={me.user.id} userId={me.user.id} token={token} />;
}

function SignedIn({ userId, token }: { userId: string; token: string }) {
  const engine = useMemo(
    () =>
      new SyncEngine({
        api,
        token,
        userId,
        wsUrl: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/ws`,
        onSignedOut: signOutLocally,
      }),
    [userId, token],
  );
  useEffect(() => {
    engine.start();
    return () => engine.stop();
  }, [engine]);
  return (
    <EngineContext.Provider value={engine}>
      <Shell />
    </EngineContext.Provider>
  );
}

function Shell() {
  const { t } = useI18n();
  const { path } = useLocation();
  const me = useStore(meStore);
  const schoolId = useStore(schoolStore);
  const membership = currentMembership(me, schoolId);
  const isStaff = !!membership?.roles.some((r) => r === 'admin' || r === 'teacher');
  const section = path.startsWith('/settings')
    ? 'settings'
    : path.startsWith('/admin')
      ? 'admin'
      : path.startsWith('/search')
        ? 'search'
        : path.startsWith('/channels')
          ? 'channels'
          : path.startsWith('/meetings')
            ? 'meetings'
            : path.startsWith('/diary')
              ? 'diary'
              : 'chats';
  const chatMatch = match('/chats/:id', path) ?? match('/channels/:id', path);
  const chats = useStore(useEngine().chats);
  useUnreadAttention(chats, schoolId, t('app.name'));
  const installOffer = useInstallOffer();
  const nav = [
    { id: 'chats', href: '/chats', label: t('nav.chats'), icon: 'chats' as const },
    { id: 'channels', href: '/channels', label: t('nav.channels'), icon: 'channels' as const },
    { id: 'search', href: '/search', label: t('nav.search'), icon: 'search' as const },
    { id: 'diary', href: '/diary', label: t('nav.diary'), icon: 'edit' as const },
    ...(isStaff ? [{ id: 'admin', href: '/admin', label: t('nav.admin'), icon: 'admin' as const }] : []),
    { id: 'settings', href: '/settings', label: t('nav.settings'), icon: 'settings' as const },
  ];
  useEffect(() => {
    if (path === '/' || path === '') navigate('/chats', { replace: true });
  }, [path]);

  let body;
  if (section === 'settings') body = <Settings />;
  else if (section === 'admin') body = isStaff ? <Admin /> : null;
  else if (section === 'search') body = <Search />;
  else if (section === 'diary') body = <Diary />;
  else if (path === '/groups/new') body = <NewGroup />;
  else if (section === 'meetings') {
    const chatMeetings = match('/meetings/chat/:id', path);
    const meeting = match('/meetings/:id', path);
    body = chatMeetings ? <ChatMeetings chatId={chatMeetings.id!} /> : meeting ? <MeetingScreen key={meeting.id} meetingId={meeting.id!} /> : null;
  } else body = <ChatsScreen mode={section === 'channels' ? 'channels' : 'chats'} chatId={chatMatch?.id ?? null} />;

  return (
    <div className={`shell ${chatMatch ? 'has-chat' : ''}`}>
      <a className="skip" href="#main">
        {t('nav.skip')}
      </a>
      <header className="topbar">
        <span className="brand">
          <img src="/icons/icon.svg" alt="" width="28" height="28" />
          <span className="brand-name">{membership?.school.shortName ?? membership?.school.name ?? t('app.name')}</span>
        </span>
        <SyncBadge />
        {installOffer.available && (
          <button type="button" className="btn btn-secondary install" onClick={() => void installOffer.install()}>
            {t('app.install')}
          </button>
        )}
      </header>
      <nav className="mainnav" aria-label={t('nav.main')}>
        {nav.map((n) => (
          <a
            key={n.id}
            href={n.href}
            aria-current={section === n.id ? 'page' : undefined}
            onClick={(e) => {
              if (e.metaKey || e.ctrlKey || e.shiftKey) return;
              e.preventDefault();
              navigate(n.href);
            }}
          >
            <Icon name={n.icon} />
            <span>{n.label}</span>
          </a>
        ))}
      </nav>
      <PasskeyOffer />
      <Suspense
        fallback={
          <main id="main" className="center">
            <p>{t('common.loading')}</p>
          </main>
        }
      >
        {body}
      </Suspense>
    </div>
  );
}
