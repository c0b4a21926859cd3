import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.ts';
import { createRuntime } from './bootstrap.ts';
import { runCommand, USAGE } from './platform/commands.ts';
import { backupCommand, restoreCommand } from './platform/backup-commands.ts';

/** `npm run parta -- <command> [--options]`: administration from the shell. */
async function main() {
  const [command, ...rest] = process.argv.slice(2);
  if (!command || command === 'help' || command === '--help') {
    console.log(USAGE);
    return;
  }
  const { values } = parseArgs({
    args: rest,
    options: { phone: { type: 'string' }, name: { type: 'string' }, out: { type: 'string' }, from: { type: 'string' }, force: { type: 'boolean' } },
    strict: true,
  });
  let config;
  try {
    config = loadConfig({ PARTA_LOG_LEVEL: 'warn', ...process.env });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  // Backup and restore do not open the runtime: a running server holds the database folder.
  if (command === 'backup') {
    if (!values.out) throw new Error('--out is required');
    console.log(await backupCommand(config, values.out));
    return;
  }
  if (command === 'restore') {
    if (!values.from) throw new Error('--from is required');
    console.log(await restoreCommand(config, values.from, values.force ?? false));
    return;
  }
  const { ctx, database } = await createRuntime(config);
  try {
    console.log(await runCommand(ctx, command, values));
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
