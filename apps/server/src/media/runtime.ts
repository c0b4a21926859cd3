import crypto from 'node:crypto';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { MediaAdapter } from './adapter.ts';
import { JanusAdapter } from './janus.ts';
import { findJanusBinary, launchJanus, type JanusInstance, type JanusLaunchOptions } from './janus-process.ts';

/** ICE servers as the browser's RTCPeerConnection takes them. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/**
 * The media plane of this process: an adapter when video is configured, or the reason it is not.
 * Meetings refuse to start with `video_not_configured` when `adapter` is null; chat is unaffected.
 */
export interface MediaRuntime {
  adapter: MediaAdapter | null;
  /** Why there is no adapter (for the log and the operator). */
  reason: string | null;
  /** STUN and TURN for one user: TURN credentials are short-lived (coturn's REST API scheme). */
  iceServers(userId: string): IceServer[];
  /** The process id of the Janus this server started and keeps running, if it started one. */
  localJanusPid?: () => number;
  close(): Promise<void>;
}

export function iceServersFor(media: Config['media'], userId: string, now = Date.now()): IceServer[] {
  const out: IceServer[] = [];
  if (media.stunUrls.length) out.push({ urls: media.stunUrls });
  if (media.turnUrls.length) {
    if (media.turnSecret) {
      // coturn `use-auth-secret`: username "<expiry>:<user>", credential base64(HMAC-SHA1(secret, username)).
      const username = `${Math.floor(now / 1000) + media.turnTtlSeconds}:${userId}`;
      const credential = crypto.createHmac('sha1', media.turnSecret).update(username).digest('base64');
      out.push({ urls: media.turnUrls, username, credential });
    } else out.push({ urls: media.turnUrls });
  }
  return out;
}

export function disabledMedia(config: Config, reason: string): MediaRuntime {
  return { adapter: null, reason, iceServers: (u) => iceServersFor(config.media, u), close: async () => {} };
}

/**
 * - `PARTA_JANUS=off`: no video.
 * - `PARTA_JANUS_URL` set: that Janus (its API secret and admin key from the environment).
 * - otherwise a local `janus` binary, started here with a config of its own under the data folder
 *   and stopped with the server.
 * - otherwise no video: meetings say so, chat works.
 */
export async function startMedia(config: Config, log: Logger): Promise<MediaRuntime> {
  const m = config.media;
  if (m.janus === 'off') return disabledMedia(config, 'PARTA_JANUS=off');
  const ice = (u: string) => iceServersFor(m, u);
  if (m.janusUrl) {
    const adapter = new JanusAdapter({ url: m.janusUrl, apiSecret: m.janusApiSecret, adminKey: m.janusAdminKey, log });
    adapter.connect().catch((err: Error) => log.warn({ err: err.message }, 'Janus is not reachable yet; meetings will retry'));
    return { adapter, reason: null, iceServers: ice, close: () => adapter.close() };
  }
  const binary = findJanusBinary();
  if (!binary) {
    log.info('video meetings are off: no PARTA_JANUS_URL and no local janus binary (apt-get install janus)');
    return disabledMedia(config, 'no Janus configured');
  }
  const launch = {
    binary,
    dir: path.join(config.dataDir, 'janus'),
    rtpPortRange: m.rtpPorts,
    iceIp: m.iceIp,
    natPublicIp: m.natIp,
    stunServer: m.stunUrls.find((u) => u.startsWith('stun:'))?.slice(5),
  };
  let janus: JanusInstance;
  try {
    janus = await launchJanus(launch);
  } catch (err) {
    log.error({ err }, 'the local Janus did not start; video meetings are off');
    return disabledMedia(config, 'local Janus failed to start');
  }
  log.info({ pid: janus.pid, ws: janus.wsUrl, ice: janus.iceIp }, 'local Janus started');
  const adapter = new JanusAdapter({ url: janus.wsUrl, apiSecret: janus.apiSecret, adminKey: janus.adminKey, log });
  const supervisor = superviseJanus(janus, launch, log);
  await adapter.connect();
  return {
    adapter,
    reason: null,
    iceServers: ice,
    localJanusPid: () => supervisor.current().pid,
    close: async () => {
      await adapter.close();
      await supervisor.stop();
    },
  };
}

/** Back-off before restarting a local Janus that exited: 1 s, doubling to 30 s while it keeps failing within a minute. */
const RESTART_DELAYS_MS = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000];

/**
 * Restarts the local Janus whenever it exits without being asked to, on the same ports and with
 * the same secrets, so the adapter (which reconnects with back-off and then reports a reset, after
 * which meetings recreate their rooms on the next join) finds it at the same address.
 */
function superviseJanus(first: JanusInstance, launch: JanusLaunchOptions, log: Logger) {
  let current = first;
  let stopping = false;
  let failures = 0;
  let startedAt = Date.now();
  let wait: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  const sleep = (ms: number) => new Promise<void>((resolve) => (wait = { timer: setTimeout(resolve, ms), resolve }));
  const watch = (j: JanusInstance) =>
    void j.exited.then(async (code) => {
      if (stopping) return;
      failures = Date.now() - startedAt < 60_000 ? failures + 1 : 1;
      log.error({ code, tail: j.log().slice(-800) }, 'the local Janus exited; restarting it');
      while (!stopping) {
        await sleep(RESTART_DELAYS_MS[Math.min(failures - 1, RESTART_DELAYS_MS.length - 1)]!);
        if (stopping) return;
        try {
          const next = await launchJanus({
            ...launch,
            httpPort: j.ports.http,
            wsPort: j.ports.ws,
            adminPort: j.ports.admin,
            secrets: { apiSecret: j.apiSecret, adminSecret: j.adminSecret, adminKey: j.adminKey },
          });
          if (stopping) return void (await next.stop());
          current = next;
          startedAt = Date.now();
          log.info({ pid: next.pid }, 'local Janus restarted');
          watch(next);
          return;
        } catch (err) {
          failures++;
          log.error({ err }, 'restarting the local Janus failed; trying again');
        }
      }
    });
  watch(first);
  return {
    current: () => current,
    stop: async () => {
      stopping = true;
      if (wait) {
        clearTimeout(wait.timer);
        wait.resolve();
      }
      await current.stop();
    },
  };
}
