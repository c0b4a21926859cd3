import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.ts';
import { createRuntime } from './bootstrap.ts';
import { runCommand, USAGE } from './platform/commands.ts';

/** `npm run parta -- <command> [--options]`: administration from the shell. */
async function main() {
  const [command, ...rest] = process.argv.slice(2);
  if (!command || command === 'help' || command === '--help') {
    console.log(USAGE);
    return;
  }
  const { values } = parseArgs({ args: rest, options: { phone: { type: 'string' }, name: { type: 'string' }, out: { type: 'string' } }, strict: true });
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
  const { ctx, database } = await createRuntime(config);
  try {
    console.log(await runCommand(ctx, database, command, values));
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
