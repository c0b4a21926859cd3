/**
 * «Помощник» as a process of its own (docs/examples/README.md):
 *   PARTA_API=https://parta.school.example PARTA_BOT_TOKEN=<token> node --import tsx apps/server/src/bots/helper/main.ts
 * Run the server with PARTA_HELPER_BOT=process, and issue the assistant's token on the bots screen.
 */
import { HelperBot, httpApi } from './bot.ts';

const apiRoot = process.env.PARTA_API?.replace(/\/$/, '');
const token = process.env.PARTA_BOT_TOKEN;
if (!apiRoot || !token) {
  console.error("Set PARTA_API (the address of Parta) and PARTA_BOT_TOKEN (the assistant's token).");
  process.exit(2);
}
const abort = new AbortController();
process.on('SIGINT', () => abort.abort());
process.on('SIGTERM', () => abort.abort());
const api = httpApi(apiRoot, token);
const me = await api<{ first_name: string; username: string }>('getMe');
console.log(`«${me.first_name}» (@${me.username}) is running; Ctrl+C stops it.`);
await new HelperBot(api).run(abort.signal);
