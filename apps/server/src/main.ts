import { ConfigError, loadConfig } from './config.ts';
import { createRuntime } from './bootstrap.ts';
import { buildApp } from './app.ts';
import { DataDirLockedError } from './db/lock.ts';
import { DEMO_GUIDE, seedDemo } from './demo/seed.ts';
import { scheduleMaintenance } from './platform/maintenance.ts';
import { createLogger } from './bootstrap.ts';
import { startMedia } from './media/runtime.ts';
import { startControl } from './platform/control.ts';
import { NotificationWorker } from './notifications/worker.ts';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  let runtime;
  const log = createLogger(config);
  const media = await startMedia(config, log);
  try {
    runtime = await createRuntime(config, { log, media });
  } catch (err) {
    await media.close();
    if (err instanceof DataDirLockedError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const { ctx, database } = runtime;
  if (config.demo === 'auto' && (await seedDemo(ctx, { full: true, chats: config.demoChats }))) {
    ctx.log.info('demo school created');
    console.log(DEMO_GUIDE);
  }
  const app = await buildApp(ctx);
  // The embedded database answers `npm run parta -- backup` through a local socket (platform/control.ts).
  const stopControl = database.pglite ? await startControl(database.pglite, config.dataDir, ctx.log) : async () => {};
  // Web Push delivery (docs/subsystems/notifications.md): follows the update stream until shutdown.
  const notifications = await NotificationWorker.start(ctx, { presence: app.realtime, concurrency: config.notifications.pushConcurrency });
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    ctx.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000).unref();
    try {
      await stopControl();
      await notifications.stop();
      await app.close();
      await ctx.pubsub.close();
      await ctx.media.close();
      await database.close();
    } finally {
      clearTimeout(force);
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  await app.listen({ port: config.port, host: config.host });
  const stopMaintenance = scheduleMaintenance(ctx);
  process.once('exit', stopMaintenance);
  ctx.log.info({ url: config.publicUrl, database: database.kind, sms: ctx.sms.name, dev: config.dev }, 'Parta is running');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
