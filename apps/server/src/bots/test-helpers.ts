/* eslint-disable @typescript-eslint/no-explicit-any -- Bot API answers are read as loose JSON, field by field */
import assert from 'node:assert/strict';
import type { Message } from '@parta/protocol';
import type { TestApp } from '../testing/harness.ts';
import type { Actor } from '../messaging/test-helpers.ts';

/** Creates a bot as the school admin; returns its id and its token (shown once). */
export async function createBot(t: TestApp, admin: Actor, username: string, chatIds: string[] = [], name = 'Столовая') {
  const res = await t.request('POST', `/api/v1/schools/${admin.schoolId}/bots`, {
    token: admin.token,
    body: { name, username, description: 'Меню столовой', commands: [{ command: 'start', description: 'Начать' }] },
  });
  assert.equal(res.statusCode, 201, res.body);
  const { bot, token } = res.json() as { bot: { id: string; botId: number; username: string }; token: string };
  if (chatIds.length) {
    const set = await t.request('PUT', `/api/v1/schools/${admin.schoolId}/bots/${bot.id}/chats`, { token: admin.token, body: { chatIds } });
    assert.equal(set.statusCode, 200, set.body);
  }
  return { id: bot.id, num: bot.botId, username: bot.username, token };
}

/** Calls a Bot API method with a JSON body, the way most libraries do. */
export async function call(t: TestApp, token: string, method: string, body?: Record<string, unknown>) {
  const res = await t.request('POST', `/bot${token}/${method}`, body ? { body } : {});
  return { status: res.statusCode, json: res.json() as { ok: boolean; result?: any; error_code?: number; description?: string } };
}

/** Waits until `check` holds, reading again every 20 ms (the bot worker runs beside the test). */
export async function until<T>(what: string, read: () => Promise<T | undefined | null | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function history(t: TestApp, a: Pick<Actor, 'token'>, chatId: string): Promise<Message[]> {
  const res = await t.request('GET', `/api/v1/chats/${chatId}/messages?limit=50`, { token: a.token });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().messages;
}
