import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Db } from './db/schema.ts';
import type { SmsSender } from './identity/sms.ts';
import type { BlobStorage } from './storage/storage.ts';
import type { RosterHooks } from './directory/roster-hooks.ts';
import type { PubSub } from './realtime/pubsub.ts';
import type { StreamBus } from './stream/bus.ts';
import type { MediaRuntime } from './media/runtime.ts';

/** Everything a domain needs, built once at start and handed to routes and services. */
export interface AppContext {
  config: Config;
  db: Db;
  dbKind: 'pglite' | 'postgres';
  log: Logger;
  sms: SmsSender;
  storage: BlobStorage;
  /** The instance's secret, for HMACs of short codes. */
  secret: string;
  rosterHooks: RosterHooks;
  /** Cross-process fan-out: publish after commit, never inside a transaction. */
  pubsub: PubSub;
  /** Wakes the update stream's readers after a commit: in this process directly, in others through pub/sub. */
  stream: StreamBus;
  /** Video meetings' media plane (Janus), or the reason there is none. */
  media: MediaRuntime;
}
