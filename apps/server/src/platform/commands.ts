import type { AppContext } from '../context.ts';
import { normalisePhone } from '../identity/phone.ts';
import { upsertUserByPhone } from '../identity/store.ts';
import { DEMO_GUIDE, seedDemo } from '../demo/seed.ts';
import { AppError } from '../http/errors.ts';

export const USAGE = `Usage: npm run parta -- <command> [options]

Commands:
  operator:create --phone <phone>   make the account on this phone a platform operator
                                    (it may create schools: POST /api/v1/schools)
  operator:remove --phone <phone>   take operator rights away
  demo:seed                         create the demo school (only on an empty database)
  backup --out <file.tar.gz>        back up the embedded database (PGlite) and the stored files
                                    into one archive; works while the server runs
  restore --from <file.tar.gz>      restore such an archive into PARTA_DATA_DIR (server stopped;
          [--force]                 --force moves a database already there aside); ends every session
                                    For PostgreSQL use pg_dump: docs/subsystems/backup.md
`;

export async function runCommand(ctx: AppContext, command: string, opts: { phone?: string }): Promise<string> {
  switch (command) {
    case 'operator:create':
    case 'operator:remove': {
      if (!opts.phone) throw new Error('--phone is required');
      let phone: string;
      try {
        phone = normalisePhone(opts.phone, ctx.config.phoneCountries);
      } catch (err) {
        throw new Error(err instanceof AppError ? `${opts.phone}: ${err.message}` : String(err));
      }
      const user = await upsertUserByPhone(ctx.db, phone);
      const makeOperator = command === 'operator:create';
      await ctx.db.updateTable('users').set({ is_operator: makeOperator }).where('id', '=', user.id).execute();
      return makeOperator ? `${phone} is now a platform operator.` : `${phone} is no longer a platform operator.`;
    }
    case 'demo:seed':
      return (await seedDemo(ctx, { full: true, chats: ctx.config.demoChats })) ? DEMO_GUIDE : 'There is a school already; the demo was not created.';
    default:
      throw new Error(`Unknown command: ${command}\n\n${USAGE}`);
  }
}
