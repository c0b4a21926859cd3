import './meetings.css';
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { Attendance, type HostAction } from '@parta/protocol';
import { api, currentMembership, meStore, schoolStore } from '../app/state.ts';
import { useStore } from '../lib/store.ts';
import { navigate, useLocation } from '../lib/router.ts';
import { useMt } from './i18n.ts';
import { MeetingClient, type RemoteTile } from './rtc.ts';
import { NewPoll, PollList, PollView } from './Polls.tsx';
import { ChatView } from '../screens/ChatView.tsx';
import { AgendaPinned } from './AgendaPanel.tsx';
import { ConsultationQueue } from './ConsultationQueue.tsx';
import { ConfirmDialog } from './Confirm.tsx';
import { gridColumns } from './visible.ts';

const EMOJI = ['👍', '👏', '❤️', '😂', '😮', '🙋'] as const;

function Video({
  stream,
  muted,
  label,
  highlight,
  kind,
  feedId,
  children,
}: {
  stream: MediaStream | null;
  muted?: boolean;
  label: string;
  highlight?: boolean;
  kind?: string;
  feedId?: number;
  children?: React.ReactNode;
}) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current && ref.current.srcObject !== stream) ref.current.srcObject = stream;
  }, [stream]);
  return (
    <figure className={`tile ${highlight ? 'tile-speaking' : ''} ${kind === 'screen' ? 'tile-screen' : ''}`} data-feed={feedId}>
      <video ref={ref} autoPlay playsInline muted={muted} />
      <figcaption>{label}</figcaption>
      {children}
    </figure>
  );
}

/** A remote feed's audio: every feed is heard, whether its tile is on screen or not. */
function Audio({ stream, feedId }: { stream: MediaStream; feedId: number }) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    if (ref.current && ref.current.srcObject !== stream) ref.current.srcObject = stream;
  }, [stream]);
  return <audio ref={ref} autoPlay data-feed={feedId} />;
}

/** «Елена Смирнова» from «Смирнова Елена Петровна». */
const shortName = (full: string) => {
  const [last, first] = full.split(' ');
  return first ? `${first} ${last}` : full;
};

/** Grid tiles as large as the box allows: columns from the box's size (visible.ts). */
function useGridColumns(n: number) {
  const ref = useRef<HTMLElement>(null);
  const [columns, setColumns] = useState(1);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const fit = () => setColumns(gridColumns(n, el.clientWidth, el.clientHeight).columns);
    fit();
    const ro = new ResizeObserver(fit);
    ro.observe(el);
    return () => ro.disconnect();
  }, [n]);
  return { ref, columns };
}

/** The call: tiles (grid or speaker), own controls, host controls, hands, reactions, polls, attendance. */
export default function MeetingScreen({ meetingId }: { meetingId: string }) {
  const { mt, error, time } = useMt();
  const { query } = useLocation();
  const me = useStore(meStore);
  const schoolId = useStore(schoolStore);
  const personId = currentMembership(me, schoolId)?.personId ?? null;
  const audioOnly = query.get('audio') === '1';
  const adaptLayers = query.get('adapt') !== '0';
  const client = useMemo(() => new MeetingClient(meetingId, { audioOnly, adaptLayers }), [meetingId, audioOnly, adaptLayers]);
  const view = useSyncExternalStore(
    (l) => client.subscribe(l),
    () => client.view,
  );
  const layout = view.layout;
  const [more, setMore] = useState(false);
  const [panel, setPanel] = useState<'none' | 'people' | 'polls' | 'attendance' | 'devices' | 'chat'>('none');
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const [attendance, setAttendance] = useState<Attendance | null>(null);
  const [polls, setPolls] = useState<string[]>([]);
  const [err, setErr] = useState<unknown>(null);
  /** A host action waiting for «Да» (remove, end). */
  const [asking, setAsking] = useState<{ text: string; confirm: string; action: HostAction } | null>(null);

  // A page of the grid: 4 tiles on a phone, 9 on a larger screen.
  useEffect(() => {
    const size = () => client.setPageSize(window.innerWidth < 600 || window.innerHeight < 500 ? 4 : 9);
    size();
    window.addEventListener('resize', size);
    return () => window.removeEventListener('resize', size);
  }, [client]);

  useEffect(() => {
    if (!personId) return;
    void client.start(personId);
    const leave = () => void client.stop(true);
    window.addEventListener('pagehide', leave);
    return () => {
      window.removeEventListener('pagehide', leave);
      void client.stop(true);
    };
  }, [client, personId]);

  const live = view.live;
  const meeting = live?.meeting;
  const isHost = !!meeting?.isHost;
  /** The host's controls: the host and co-hosts (the server checks every action). */
  const controls = isHost || !!live?.me.isCohost;
  const gridCount = view.tiles.length + (view.local && !view.audioOnly ? 1 : 0);
  const { ref: gridRef, columns: gridCols } = useGridColumns(layout === 'grid' ? gridCount : 1);
  const myHand = live?.hands.some((h) => h.personId === personId) ?? false;
  const host = (a: HostAction) => api.post(`/api/v1/meetings/${meetingId}/host`, null, a).then(() => client.refresh(), setErr);

  const loadAttendance = () => api.get(`/api/v1/meetings/${meetingId}/attendance`, Attendance).then(setAttendance, setErr);
  const downloadCsv = async () => {
    try {
      const url = await api.blobUrl(`/api/v1/meetings/${meetingId}/attendance.csv?lang=${me?.user.locale ?? 'ru'}`);
      const a = document.createElement('a');
      a.href = url;
      a.download = `attendance-${meetingId}.csv`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      setErr(e);
    }
  };
  const loadPolls = () => meeting && api.get(`/api/v1/chats/${meeting.chatId}/polls`, PollList).then((r) => setPolls(r.polls.map((p) => p.id)), setErr);

  if (view.phase === 'ended' || view.phase === 'removed' || view.phase === 'error') {
    return (
      <main id="main" className="center meeting-over">
        <p role="alert" data-phase={view.phase}>
          {view.phase === 'ended' ? mt('m.ended') : view.phase === 'removed' ? mt('m.removed') : error(view.error)}
        </p>
        {view.phase === 'ended' && isHost && (
          <button type="button" className="btn btn-secondary" onClick={() => void downloadCsv()}>
            {mt('m.csv')}
          </button>
        )}
        <button type="button" className="btn btn-primary" onClick={() => navigate(meeting ? `/chats/${meeting.chatId}` : '/chats')}>
          {mt('m.chat')}
        </button>
      </main>
    );
  }

  if (view.phase === 'waiting') {
    return (
      <main id="main" className="center meeting-over" data-phase="waiting">
        <p role="status">{mt('m.lobby.waiting')}</p>
        <ConsultationQueue meetingId={meetingId} />
        <button type="button" className="btn btn-secondary" onClick={() => void client.stop(false).then(() => navigate('/chats'))}>
          {mt('m.leave')}
        </button>
      </main>
    );
  }

  const recent = live?.reactions.slice(-6) ?? [];
  const nameOf = (id: string) => live?.participants.find((p) => p.personId === id)?.name ?? '';
  const myName = personId ? nameOf(personId) : '';
  const spotlight = live?.spotlightPersonId ?? null;
  const label = (t: RemoteTile) =>
    `${t.name}${t.kind === 'screen' ? ` (${mt('m.screen')})` : ''}${t.audioMuted ? ' 🔇' : ''}${t.personId === spotlight && t.kind === 'camera' ? ` · ${mt('m.spotlight.badge')}` : ''}`;
  const remoteTile = (t: RemoteTile, small = false) => (
    <Video
      key={t.key}
      feedId={t.feedId}
      stream={t.stream}
      label={small ? t.name : label(t)}
      highlight={t.personId === view.speakingPersonId && t.kind === 'camera'}
      kind={t.kind}
    >
      {t.kind === 'camera' && (
        <button
          type="button"
          className="btn btn-ghost small tile-pin"
          data-pin={t.personId}
          aria-pressed={view.pinnedPersonId === t.personId}
          onClick={() => client.pin(view.pinnedPersonId === t.personId ? null : t.personId)}
        >
          {view.pinnedPersonId === t.personId ? mt('m.unpin') : mt('m.pin')}
        </button>
      )}
    </Video>
  );
  const localTile =
    view.local && !view.audioOnly ? (
      <Video stream={view.local} muted label={myName ? mt('m.you.named', { name: shortName(myName) }) : mt('m.you.alone')} />
    ) : null;

  return (
    <main id="main" className={`meeting meeting-${layout}`} data-phase={view.phase}>
      <header className="meeting-head">
        <h2>{meeting?.title ?? mt('m.connecting')}</h2>
        {view.phase !== 'live' && (
          <p className="muted" aria-live="polite">
            {view.phase === 'reconnecting' ? mt('m.reconnecting') : mt('m.connecting')}
          </p>
        )}
        {live?.me.audioMutedByHost && (
          <p className="note" role="status">
            {mt('m.mutedByHost')}
          </p>
        )}
        {live?.me.videoStoppedByHost && (
          <p className="note" role="status">
            {mt('m.videoStoppedByHost')}
          </p>
        )}
        {live?.me.isCohost && (
          <p className="note" role="status" data-cohost-me>
            {mt('m.cohost.you')}
          </p>
        )}
        {spotlight && (
          <p className="note" role="status" data-spotlight={spotlight}>
            {spotlight === personId ? mt('m.spotlight.you') : mt('m.spotlight.other', { name: nameOf(spotlight) })}
          </p>
        )}
        {meeting?.autoEndsAt && (
          <p className="note" role="status" data-auto-end>
            {mt('m.autoEnds', { time: time(meeting.autoEndsAt) })}
          </p>
        )}
      </header>
      {meeting && <AgendaPinned meetingId={meeting.id} chatId={meeting.chatId} />}
      {live?.me.unmuteAsked && (
        <section className="meeting-ask" role="alertdialog" aria-label={mt('m.unmuteAsked')} data-unmute-asked>
          <p>{mt('m.unmuteAsked')}</p>
          <div className="row">
            <button type="button" className="btn btn-primary" onClick={() => void client.answerUnmute(true).catch(setErr)}>
              {mt('m.unmuteAsked.yes')}
            </button>
            <button type="button" className="btn btn-secondary" onClick={() => void client.answerUnmute(false).catch(setErr)}>
              {mt('m.unmuteAsked.no')}
            </button>
          </div>
        </section>
      )}
      <div className="meeting-stage">
        {layout === 'speaker' ? (
          <>
            <section className="tiles tiles-main" aria-label={mt('m.participants', { n: live?.participants.length ?? 0 })}>
              {view.main ? remoteTile(view.main) : localTile}
            </section>
            {(view.tiles.length > 0 || (view.main && localTile)) && (
              <section className="tiles tiles-strip">
                {view.tiles.map((t) => remoteTile(t, true))}
                {view.main && localTile}
              </section>
            )}
          </>
        ) : (
          <section
            ref={gridRef}
            className="tiles tiles-grid"
            style={{ gridTemplateColumns: `repeat(${gridCols}, minmax(0, 1fr))` }}
            aria-label={mt('m.participants', { n: live?.participants.length ?? 0 })}
          >
            {view.tiles.map((t) => remoteTile(t))}
            {localTile}
          </section>
        )}
        {view.pages > 1 && layout === 'grid' && (
          <nav className="row meeting-pager" aria-label={mt('m.pages')}>
            <button
              type="button"
              className="btn btn-ghost small"
              disabled={view.page === 0}
              onClick={() => client.setPage(view.page - 1)}
              aria-label={mt('m.page.prev')}
            >
              ‹
            </button>
            <span className="small">{mt('m.page', { n: view.page + 1, of: view.pages })}</span>
            <button
              type="button"
              className="btn btn-ghost small"
              disabled={view.page >= view.pages - 1}
              onClick={() => client.setPage(view.page + 1)}
              aria-label={mt('m.page.next')}
            >
              ›
            </button>
          </nav>
        )}
        {view.audio.map((a) => (
          <Audio key={a.feedId} feedId={a.feedId} stream={a.stream} />
        ))}
        {recent.length > 0 && (
          <p className="reactions-float" aria-live="polite">
            {recent.map((r, i) => (
              <span key={i} title={nameOf(r.personId)}>
                {r.emoji}
              </span>
            ))}
          </p>
        )}
        {err !== null && <p role="alert">{error(err)}</p>}
        {asking && (
          <ConfirmDialog
            text={asking.text}
            confirm={asking.confirm}
            cancel={mt('m.cancel')}
            onCancel={() => setAsking(null)}
            onConfirm={() => {
              const a = asking.action;
              setAsking(null);
              void host(a);
            }}
          />
        )}
        {live && live.hands.length > 0 && (
          <section aria-label={mt('m.hands')} className="hands">
            <h3>{mt('m.hands')}</h3>
            <ol>
              {live.hands.map((h) => (
                <li key={h.personId}>
                  {h.name}
                  {controls && (
                    <button type="button" className="btn btn-ghost small" onClick={() => void host({ action: 'lower_hand', personId: h.personId })}>
                      {mt('m.lowerHand')}
                    </button>
                  )}
                </li>
              ))}
            </ol>
          </section>
        )}
        {controls && live && live.waiting.length > 0 && (
          <section aria-label={mt('m.lobby.list')} className="hands" data-lobby>
            <h3>{mt('m.lobby.list')}</h3>
            <ol>
              {live.waiting.map((w) => (
                <li key={w.personId}>
                  {w.name}{' '}
                  <button
                    type="button"
                    className="btn btn-ghost small"
                    data-admit={w.personId}
                    onClick={() => void host({ action: 'admit', personId: w.personId })}
                  >
                    {mt('m.lobby.admit')}
                  </button>
                </li>
              ))}
            </ol>
            {live.waiting.length > 1 && (
              <button type="button" className="btn btn-secondary small" data-admit-all onClick={() => void host({ action: 'admit_all' })}>
                {mt('m.lobby.admitAll')}
              </button>
            )}
          </section>
        )}
        {panel === 'people' && live && (
          <aside className="meeting-panel" aria-label={mt('m.participants', { n: live.participants.length })}>
            <ul>
              {live.participants.map((p) => {
                const cam = p.feeds.find((f) => f.kind === 'camera');
                return (
                  <li key={p.personId} data-person={p.personId}>
                    {p.personId === personId ? mt('m.you.named', { name: p.name }) : p.name} {p.isHost && <span className="muted small">({mt('m.host')})</span>}{' '}
                    {p.isCohost && (
                      <span className="muted small" data-cohost={p.personId}>
                        ({mt('m.cohost')})
                      </span>
                    )}
                    {p.personId === view.speakingPersonId && !cam?.audioMuted && (
                      <span className="small" data-speaking>
                        {' '}
                        · {mt('m.speaking')}
                      </span>
                    )}
                    {controls && p.personId !== personId && !p.isHost && (
                      <span className="row">
                        {cam?.audioMuted ? (
                          <button
                            type="button"
                            className="btn btn-ghost small"
                            data-ask-unmute={p.personId}
                            onClick={() => void host({ action: 'ask_unmute', personId: p.personId })}
                          >
                            {mt('m.askUnmute')}
                          </button>
                        ) : (
                          <button
                            type="button"
                            className="btn btn-ghost small"
                            data-mute={p.personId}
                            onClick={() => void host({ action: 'mute', personId: p.personId })}
                          >
                            {mt('m.mute')}
                          </button>
                        )}
                        <button type="button" className="btn btn-ghost small" onClick={() => void host({ action: 'stop_video', personId: p.personId })}>
                          {mt('m.stopVideo')}
                        </button>
                        <button
                          type="button"
                          className="btn btn-ghost small"
                          data-remove={p.personId}
                          onClick={() =>
                            setAsking({
                              text: mt('m.remove.ask', { name: p.name }),
                              confirm: mt('m.remove'),
                              action: { action: 'remove', personId: p.personId },
                            })
                          }
                        >
                          {mt('m.remove')}
                        </button>
                        {isHost && p.isStaff && (
                          <button type="button" className="btn btn-ghost small" onClick={() => void host({ action: 'hand_over', personId: p.personId })}>
                            {mt('m.handOver')}
                          </button>
                        )}
                        {isHost && (
                          <button
                            type="button"
                            className="btn btn-ghost small"
                            data-cohost-toggle={p.personId}
                            onClick={() => void host({ action: 'cohost', personId: p.personId, on: !p.isCohost })}
                          >
                            {p.isCohost ? mt('m.cohost.revoke') : mt('m.cohost.grant')}
                          </button>
                        )}
                      </span>
                    )}
                    {controls && p.feeds.some((f) => f.kind === 'camera') && (
                      <button
                        type="button"
                        className="btn btn-ghost small"
                        data-spotlight-on={p.personId}
                        aria-pressed={spotlight === p.personId}
                        onClick={() => void host({ action: 'spotlight', personId: spotlight === p.personId ? null : p.personId })}
                      >
                        {spotlight === p.personId ? mt('m.spotlight.off') : mt('m.spotlight.on')}
                      </button>
                    )}
                  </li>
                );
              })}
            </ul>
            {controls && live.removed.length > 0 && (
              <>
                <h3>{mt('m.removedPeople')}</h3>
                <ul>
                  {live.removed.map((r) => (
                    <li key={r.personId}>
                      {r.name}{' '}
                      <button
                        type="button"
                        className="btn btn-ghost small"
                        data-readmit={r.personId}
                        onClick={() => void host({ action: 'readmit', personId: r.personId })}
                      >
                        {mt('m.readmit')}
                      </button>
                    </li>
                  ))}
                </ul>
              </>
            )}
          </aside>
        )}
        {panel === 'chat' && meeting && (
          <aside className="meeting-panel meeting-chat" aria-label={mt('m.chat')}>
            <ChatView chatId={meeting.chatId} mode="meeting" />
          </aside>
        )}
        {panel === 'polls' && meeting && (
          <aside className="meeting-panel stack" aria-label={mt('m.polls')}>
            <NewPoll path={`/api/v1/meetings/${meetingId}/polls`} onCreated={() => void loadPolls()} />
            {polls.map((id) => (
              <PollView key={id} pollId={id} />
            ))}
          </aside>
        )}
        {panel === 'devices' && (
          <aside className="meeting-panel stack" aria-label={mt('m.devices')}>
            <label>
              {mt('m.camera')}
              <select onChange={(e) => void client.chooseDevice('video', e.target.value).catch(setErr)}>
                {devices
                  .filter((d) => d.kind === 'videoinput')
                  .map((d, i) => (
                    <option key={d.deviceId || i} value={d.deviceId}>
                      {d.label || `${mt('m.camera')} ${i + 1}`}
                    </option>
                  ))}
              </select>
            </label>
            <label>
              {mt('m.microphone')}
              <select onChange={(e) => void client.chooseDevice('audio', e.target.value).catch(setErr)}>
                {devices
                  .filter((d) => d.kind === 'audioinput')
                  .map((d, i) => (
                    <option key={d.deviceId || i} value={d.deviceId}>
                      {d.label || `${mt('m.microphone')} ${i + 1}`}
                    </option>
                  ))}
              </select>
            </label>
          </aside>
        )}
        {panel === 'attendance' && attendance && (
          <aside className="meeting-panel stack" aria-label={mt('m.attendance')}>
            <button type="button" className="btn btn-secondary" onClick={() => void downloadCsv()}>
              {mt('m.csv')}
            </button>
            <h3>{mt('m.attended')}</h3>
            <ul>
              {attendance.attended.map((r) => (
                <li key={r.personId}>
                  {r.name} — {mt('m.minutes', { n: Math.round(r.seconds / 60) })}
                </li>
              ))}
            </ul>
            <h3>{mt('m.absentFamilies')}</h3>
            <ul>
              {attendance.absentFamilies.map((f) => (
                <li key={f.studentId}>
                  {f.studentName}
                  {f.guardians.length ? ` (${f.guardians.join(', ')})` : ''}
                </li>
              ))}
            </ul>
          </aside>
        )}
      </div>
      <nav className="meeting-controls" aria-label={mt('m.hostControls')}>
        <button type="button" className="btn btn-secondary" aria-pressed={!view.micOn} onClick={() => client.toggleMic()}>
          {view.micOn ? mt('m.mic.on') : mt('m.mic.off')}
        </button>
        {!view.audioOnly && (
          <button type="button" className="btn btn-secondary" aria-pressed={!view.camOn} onClick={() => client.toggleCam()}>
            {view.camOn ? mt('m.cam.on') : mt('m.cam.off')}
          </button>
        )}
        <button
          type="button"
          className="btn btn-secondary"
          aria-pressed={myHand}
          onClick={() => void api.post(`/api/v1/meetings/${meetingId}/hand`, null, { raised: !myHand }).catch(setErr)}
        >
          {myHand ? mt('m.hand.lower') : mt('m.hand.raise')}
        </button>
        <button type="button" className="btn btn-ghost" data-people onClick={() => setPanel(panel === 'people' ? 'none' : 'people')}>
          {mt('m.participants', { n: live?.participants.length ?? 0 })}
        </button>
        <button type="button" className="btn btn-ghost meeting-more-toggle" aria-expanded={more} onClick={() => setMore(!more)}>
          {mt('m.more')}
        </button>
        <button
          type="button"
          className="btn btn-danger"
          data-leave
          onClick={() => void client.stop(true).then(() => navigate(meeting ? `/chats/${meeting.chatId}` : '/chats'))}
        >
          {mt('m.leave')}
        </button>
        <span className={`meeting-more ${more ? 'open' : ''}`}>
          <button
            type="button"
            className="btn btn-secondary"
            data-screen
            onClick={() => void (view.screen ? client.stopScreen() : client.startScreen()).catch(setErr)}
          >
            {view.screen ? mt('m.screen.stop') : mt('m.screen.start')}
          </button>
          <button type="button" className="btn btn-secondary" onClick={() => client.setLayout(layout === 'grid' ? 'speaker' : 'grid')}>
            {layout === 'grid' ? mt('m.view.speaker') : mt('m.view.grid')}
          </button>
          <label className="small">
            <input type="checkbox" checked={view.audioOnly} onChange={(e) => void client.setAudioOnly(e.target.checked).catch(setErr)} /> {mt('m.audioOnly')}
          </label>
          <label className="small">
            <input type="checkbox" checked={view.lowBandwidth} onChange={(e) => void client.setLowBandwidth(e.target.checked)} /> {mt('m.lowBandwidth')}
          </label>
          <span role="group" aria-label={mt('m.reactions')}>
            {EMOJI.map((e) => (
              <button
                key={e}
                type="button"
                className="btn btn-ghost"
                onClick={() => void api.post(`/api/v1/meetings/${meetingId}/reactions`, null, { emoji: e }).catch(setErr)}
              >
                {e}
              </button>
            ))}
          </span>
          <button
            type="button"
            className="btn btn-ghost"
            onClick={() => {
              setPanel('polls');
              void loadPolls();
            }}
          >
            {mt('m.polls')}
          </button>
          <button
            type="button"
            className="btn btn-ghost"
            onClick={() => {
              setPanel('devices');
              void navigator.mediaDevices.enumerateDevices().then(setDevices);
            }}
          >
            {mt('m.devices')}
          </button>
          {controls && (
            <button
              type="button"
              className="btn btn-ghost"
              onClick={() => {
                setPanel('attendance');
                void loadAttendance();
              }}
            >
              {mt('m.attendance')}
            </button>
          )}
          {meeting && (
            <button type="button" className="btn btn-ghost" aria-pressed={panel === 'chat'} onClick={() => setPanel(panel === 'chat' ? 'none' : 'chat')}>
              {mt('m.chat')}
            </button>
          )}
          {controls && (
            <>
              <button type="button" className="btn btn-secondary" onClick={() => void host({ action: 'mute_all' })}>
                {mt('m.muteAll')}
              </button>
              <button type="button" className="btn btn-secondary" onClick={() => void host({ action: meeting?.locked ? 'unlock' : 'lock' })}>
                {meeting?.locked ? mt('m.unlock') : mt('m.lock')}
              </button>
              <button
                type="button"
                className="btn btn-danger"
                data-end
                onClick={() => setAsking({ text: mt('m.end.ask'), confirm: mt('m.end'), action: { action: 'end' } })}
              >
                {mt('m.end')}
              </button>
              <label className="small">
                <input type="checkbox" checked={meeting?.lobby ?? false} onChange={(e) => void host({ action: 'lobby', on: e.target.checked })} />{' '}
                {mt('m.lobby')}
              </label>
              <label className="small">
                <input type="checkbox" checked={meeting?.muteOnEntry ?? false} onChange={(e) => void host({ action: 'mute_on_entry', on: e.target.checked })} />{' '}
                {mt('m.muteOnEntry')}
              </label>
              {spotlight && (
                <button type="button" className="btn btn-ghost" data-spotlight-off onClick={() => void host({ action: 'spotlight', personId: null })}>
                  {mt('m.spotlight.off')}
                </button>
              )}
            </>
          )}
        </span>
      </nav>
    </main>
  );
}
