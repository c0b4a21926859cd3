import crypto from 'node:crypto';
import pino, { type Logger } from 'pino';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import { databaseOptionsFrom, migrate, openDatabase, type Database, type DatabaseOptions } from './db/database.ts';
import type { Db } from './db/schema.ts';
import { RosterHooks } from './directory/roster-hooks.ts';
import { registerMessaging } from './messaging/provisioning.ts';
import { registerDiary } from './diary/roster.ts';
import { ConsoleSms, HttpSms, type SmsSender } from './identity/sms.ts';
import type { BlobStorage } from './storage/storage.ts';
import { createStorage } from './storage/create.ts';
import { InProcessPubSub, type PubSub } from './realtime/pubsub.ts';
import { RedisPubSub } from './realtime/redis-pubsub.ts';
import { StreamBus } from './stream/bus.ts';
import { disabledMedia, type MediaRuntime } from './media/runtime.ts';
import { registerAttachmentResolver } from './messaging/attachments.ts';
import { fileAttachmentResolver } from './files/service.ts';

export function createLogger(config: Config): Logger {
  return pino({ level: config.logLevel, base: { app: 'parta' }, redact: ['req.headers.authorization'] });
}

export function createSms(config: Config, log: Logger): SmsSender {
  return config.sms.provider === 'http' ? new HttpSms(config.sms.httpUrl!, config.sms.httpToken, config.sms.sender) : new ConsoleSms(log);
}

/** The instance's secret: made once, kept in the database so every process shares it. */
export async function instanceSecret(db: Db): Promise<string> {
  await db
    .insertInto('instance_settings')
    .values({ key: 'secret', value: crypto.randomBytes(32).toString('hex') })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db.selectFrom('instance_settings').select('value').where('key', '=', 'secret').executeTakeFirstOrThrow();
  return row.value;
}

export interface Runtime {
  ctx: AppContext;
  database: Database;
}

export interface RuntimeOverrides {
  database?: DatabaseOptions;
  sms?: SmsSender;
  storage?: BlobStorage;
  log?: Logger;
  pubsub?: PubSub;
  /** The media plane; main.ts starts Janus, tests pass their own (default: video not configured). */
  media?: MediaRuntime;
}

/** In-process fan-out for one process; Redis when REDIS_URL is set, so several processes share it. */
export function createPubSub(config: Config): PubSub {
  return config.redisUrl ? new RedisPubSub(config.redisUrl) : new InProcessPubSub();
}

/** Opens the database, applies migrations and wires the domains' dependencies. */
export async function createRuntime(config: Config, overrides: RuntimeOverrides = {}): Promise<Runtime> {
  const log = overrides.log ?? createLogger(config);
  const dbOptions = overrides.database ?? databaseOptionsFrom(config);
  const database = await openDatabase(dbOptions, (err) => log.warn({ err: err.message }, 'an idle database connection failed; the pool opens a new one'));
  try {
    const applied = await migrate(database.db);
    if (applied.length) log.info({ applied }, 'migrations applied');
    const pubsub = overrides.pubsub ?? createPubSub(config);
    const ctx: AppContext = {
      config,
      db: database.db,
      dbKind: database.kind,
      log,
      sms: overrides.sms ?? createSms(config, log),
      storage: overrides.storage ?? createStorage(config),
      secret: await instanceSecret(database.db),
      rosterHooks: new RosterHooks(),
      pubsub,
      stream: new StreamBus(pubsub, log),
      media: overrides.media ?? disabledMedia(config, 'not configured'),
    };
    await ctx.storage.prepare();
    // Files resolve messages' attachments from the start, before any route exists (the demo seeds with files).
    registerAttachmentResolver(fileAttachmentResolver);
    await registerMessaging(ctx);
    registerDiary(ctx);
    return { ctx, database };
  } catch (err) {
    await database.close();
    throw err;
  }
}
