import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Bot, InlineKeyboard, InputFile, webhookCallback } from 'grammy';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, chatOf, send, type Actor } from '../messaging/test-helpers.ts';
import { createBot, history, until } from './test-helpers.ts';

/**
 * Compatibility with a real library: a bot written with grammY, unmodified but for `apiRoot`,
 * talks to Parta through long polling and through a webhook. It answers /start, replies with an
 * inline keyboard, handles the button press by editing its message, and sends a document.
 */
function canteenBot(token: string, apiRoot: string): Bot {
  const bot = new Bot(token, { client: { apiRoot } });
  bot.command('start', (ctx) =>
    ctx.reply('Здравствуйте! Я бот столовой.', {
      reply_markup: new InlineKeyboard().text('Меню на сегодня', 'menu'),
      reply_parameters: { message_id: ctx.msg.message_id },
    }),
  );
  bot.callbackQuery('menu', async (ctx) => {
    await ctx.answerCallbackQuery({ text: 'Открываю меню' });
    await ctx.editMessageText('Сегодня: суп, котлета с пюре, компот.', { reply_markup: new InlineKeyboard().text('Спасибо', 'thanks') });
    await ctx.replyWithDocument(new InputFile(Buffer.from('Меню на неделю\nПн: суп\n'), 'menu.txt'), { caption: 'Меню на неделю' });
  });
  return bot;
}

describe('a grammY bot, unmodified', () => {
  let t: TestApp;
  let url: string;
  let admin: Actor, teacher: Actor;
  let chatId: string;

  before(async () => {
    t = await createTestApp({ demo: true });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    admin = await actor(t, DEMO_PHONES.admin);
    teacher = await actor(t, DEMO_PHONES.classTeacher5A);
    chatId = (await chatOf(t, teacher, 'class', '5А')).id;
  });
  after(async () => {
    await t.close();
  });

  /** The teacher sends /start, presses the button, and sees the edit and the document. */
  async function conversation(botName: string) {
    const start = await send(t, teacher, chatId, '/start');
    const reply = await until('the reply with a keyboard', async () =>
      (await history(t, teacher, chatId)).find((m) => m.author.isBot && m.replyTo?.id === start.id),
    );
    assert.equal(reply.text, 'Здравствуйте! Я бот столовой.');
    assert.equal(reply.author.name, botName);
    assert.deepEqual(reply.keyboard, [[{ text: 'Меню на сегодня', callbackData: 'menu' }]]);
    const press = await t.request('POST', `/api/v1/chats/${chatId}/messages/${reply.id}/callback`, { token: teacher.token, body: { data: 'menu' } });
    assert.equal(press.statusCode, 200, press.body);
    const edited = await until('the edited message', async () => (await history(t, teacher, chatId)).find((m) => m.id === reply.id && m.editedAt !== null));
    assert.equal(edited.text, 'Сегодня: суп, котлета с пюре, компот.');
    assert.deepEqual(edited.keyboard, [[{ text: 'Спасибо', callbackData: 'thanks' }]]);
    const doc = await until('the document', async () =>
      (await history(t, teacher, chatId)).find((m) => m.author.isBot && m.attachments.length === 1 && m.seq > reply.seq),
    );
    assert.equal(doc.text, 'Меню на неделю');
    assert.equal(doc.attachments[0]!.name, 'menu.txt');
    const file = await t.request('GET', doc.attachments[0]!.url!, { token: teacher.token });
    assert.equal(file.body, 'Меню на неделю\nПн: суп\n');
    // The press was answered: the teacher's stream carries the bot's answer.
    const updates = await t.request('GET', '/api/v1/updates?after=0&limit=1000', { token: teacher.token });
    const answers = (updates.json().updates as { type: string; text?: string; messageId?: string }[]).filter(
      (u) => u.type === 'bot.callback_answer' && u.messageId === reply.id,
    );
    assert.equal(answers.length, 1);
    assert.equal(answers[0]!.text, 'Открываю меню');
  }

  test('through long polling', async () => {
    const { token } = await createBot(t, admin, 'canteen', [chatId]);
    const bot = canteenBot(token, url);
    const me = await bot.api.getMe();
    assert.equal(me.username, 'canteen_bot');
    assert.equal(me.is_bot, true);
    const running = bot.start({ timeout: 2, drop_pending_updates: false });
    try {
      await conversation('Столовая');
    } finally {
      await bot.stop();
      await running;
    }
  });

  test('through a webhook', async () => {
    const { token } = await createBot(t, admin, 'canteen_hook', [chatId], 'Столовая (вебхук)');
    const bot = canteenBot(token, url);
    await bot.init();
    const secret = 'school-secret_42';
    const seen: string[] = [];
    const callback = webhookCallback(bot, 'http', { secretToken: secret });
    const server = http.createServer((req, res) => {
      seen.push(String(req.headers['x-telegram-bot-api-secret-token']));
      void callback(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const hook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      assert.equal(await bot.api.setWebhook(hook, { secret_token: secret }), true);
      const info = await bot.api.getWebhookInfo();
      assert.equal(info.url, hook);
      await conversation('Столовая (вебхук)');
      assert.ok(seen.length >= 2 && seen.every((s) => s === secret), `secret header on every post: ${seen.join(',')}`);
      // While a webhook is set, getUpdates is refused, as in Telegram.
      await assert.rejects(bot.api.getUpdates(), /409.*Conflict: can't use getUpdates method while webhook is active/);
      assert.equal(await bot.api.deleteWebhook(), true);
      assert.equal((await bot.api.getWebhookInfo()).url, '');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
