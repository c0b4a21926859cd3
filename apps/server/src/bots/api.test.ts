/* eslint-disable @typescript-eslint/no-explicit-any -- Bot API answers are read as loose JSON, field by field */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, chatOf, send, type Actor } from '../messaging/test-helpers.ts';
import { call, createBot, history, until } from './test-helpers.ts';

/** Each method against what the Bot API reference documents, and the rules of the closed space. */
describe('bot api', () => {
  let t: TestApp;
  let admin: Actor, teacher: Actor, student: Actor, guardian: Actor;
  let classChat: string, parentsChat: string, staffChat: string;
  let bot: Awaited<ReturnType<typeof createBot>>;
  let classNum: number;

  before(async () => {
    t = await createTestApp({ demo: true });
    admin = await actor(t, DEMO_PHONES.admin);
    teacher = await actor(t, DEMO_PHONES.classTeacher5A);
    student = await actor(t, DEMO_PHONES.student5A);
    guardian = await actor(t, DEMO_PHONES.guardian5A);
    classChat = (await chatOf(t, teacher, 'class', '5А')).id;
    parentsChat = (await chatOf(t, teacher, 'parents', '5А')).id;
    staffChat = (await chatOf(t, teacher, 'staff')).id;
    bot = await createBot(t, admin, 'menu', [classChat]);
    // The bot learns the chat's id from the my_chat_member update of its joining.
    const first = await until('my_chat_member', async () => {
      const r = await call(t, bot.token, 'getUpdates', { timeout: 0 });
      return r.json.result?.find((u: any) => u.my_chat_member);
    });
    classNum = first.my_chat_member.chat.id;
    assert.ok(classNum < 0, 'a group id is negative');
    assert.equal(first.my_chat_member.chat.type, 'group');
    assert.equal(first.my_chat_member.new_chat_member.status, 'member');
    assert.equal(first.my_chat_member.old_chat_member.status, 'left');
    assert.equal(first.my_chat_member.from.id > 0, true);
    await call(t, bot.token, 'getUpdates', { offset: first.update_id + 1 });
  });
  after(async () => {
    await t.close();
  });

  const updates = async (token: string, offset = 0) => (await call(t, token, 'getUpdates', { offset, timeout: 0 })).json.result as any[];
  const drain = async (token: string) => {
    const all = await updates(token);
    if (all.length) await updates(token, all[all.length - 1].update_id + 1);
    return all;
  };

  test('a bad or malformed token is 401 Unauthorized; an unknown method is 400 "method not supported"', async () => {
    for (const token of [`${bot.num}:wrongwrongwrongwrongwrongwrong`, 'nonsense', `1:${bot.token.split(':')[1]}`]) {
      const r = await call(t, token, 'getMe');
      assert.equal(r.status, 401);
      assert.deepEqual(r.json, { ok: false, error_code: 401, description: 'Unauthorized' });
    }
    const r = await call(t, bot.token, 'sendPoll', { chat_id: classNum, question: '?' });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json, { ok: false, error_code: 400, description: 'Bad Request: method not supported' });
  });

  test('getMe over GET, JSON, form; method names are case-insensitive', async () => {
    const get = await t.request('GET', `/bot${bot.token}/getMe`);
    assert.equal(get.statusCode, 200);
    const me = get.json();
    assert.equal(me.ok, true);
    assert.equal(me.result.id, bot.num);
    assert.equal(me.result.is_bot, true);
    assert.equal(me.result.username, 'menu_bot');
    assert.equal(me.result.first_name, 'Столовая');
    assert.equal(me.result.can_read_all_group_messages, false);
    assert.equal(String(me.result.id), bot.token.split(':')[0]);
    const lower = await t.request('POST', `/bot${bot.token}/getme`);
    assert.equal(lower.json().result.id, bot.num);
    const form = await t.request('POST', `/bot${bot.token}/sendMessage`, {
      body: `chat_id=${classNum}&text=${encodeURIComponent('Форма')}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(form.statusCode, 200, form.body);
    assert.equal(form.json().result.text, 'Форма');
    const query = await t.request('GET', `/bot${bot.token}/sendMessage?chat_id=${classNum}&text=${encodeURIComponent('Запрос')}`);
    assert.equal(query.json().result.text, 'Запрос');
  });

  test('sendMessage: the message is an ordinary message of the chat from the bot, with the bot badge', async () => {
    const r = await call(t, bot.token, 'sendMessage', {
      chat_id: classNum,
      text: 'Сегодня <b>блины</b>',
      parse_mode: 'HTML',
      reply_markup: {
        inline_keyboard: [
          [
            { text: 'Меню', callback_data: 'menu' },
            { text: 'Сайт', url: 'https://school.example/menu' },
          ],
        ],
      },
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const m = r.json.result;
    assert.equal(m.chat.id, classNum);
    assert.equal(m.from.id, bot.num);
    assert.equal(m.from.is_bot, true);
    assert.equal(m.text, 'Сегодня блины', 'markup is removed, never rendered');
    assert.equal(typeof m.date, 'number');
    assert.deepEqual(m.reply_markup, {
      inline_keyboard: [
        [
          { text: 'Меню', callback_data: 'menu' },
          { text: 'Сайт', url: 'https://school.example/menu' },
        ],
      ],
    });
    const seen = (await history(t, student, classChat)).find((x) => x.seq === m.message_id)!;
    assert.equal(seen.author.isBot, true);
    assert.deepEqual(seen.author.roles, []);
    assert.equal(seen.text, 'Сегодня блины');
    assert.deepEqual(seen.keyboard, [
      [
        { text: 'Меню', callbackData: 'menu' },
        { text: 'Сайт', url: 'https://school.example/menu' },
      ],
    ]);
    // The members see that a bot is in the chat, and that it reads only what is addressed to it.
    const bots = await t.request('GET', `/api/v1/chats/${classChat}/bots`, { token: student.token });
    assert.deepEqual(
      bots.json().bots.map((b: any) => [b.username, b.readsAll]),
      [['menu_bot', false]],
    );
  });

  test('sendMessage refusals, in Telegram words', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ chat_id: classNum, text: '' }, 400, 'Bad Request: message text is empty'],
      [{ chat_id: classNum, text: 'x'.repeat(4097) }, 400, 'Bad Request: message is too long'],
      [{ text: 'кому?' }, 400, 'Bad Request: chat_id is empty'],
      [{ chat_id: -999999999, text: 'x' }, 400, 'Bad Request: chat not found'],
      [{ chat_id: classNum, text: 'x', reply_parameters: { message_id: 99999 } }, 400, 'Bad Request: message to be replied not found'],
      [
        { chat_id: classNum, text: 'x', reply_markup: { inline_keyboard: [[{ text: 'a', callback_data: 'x'.repeat(65) }]] } },
        400,
        'Bad Request: BUTTON_DATA_INVALID',
      ],
      [
        { chat_id: classNum, text: 'x', reply_markup: { inline_keyboard: [[{ text: 'a', url: 'javascript:alert(1)' }]] } },
        400,
        'Bad Request: BUTTON_URL_INVALID',
      ],
    ];
    for (const [body, status, description] of cases) {
      const r = await call(t, bot.token, 'sendMessage', body);
      assert.equal(r.status, status, JSON.stringify(body));
      assert.deepEqual(r.json, { ok: false, error_code: status, description });
    }
    const ok = await call(t, bot.token, 'sendMessage', {
      chat_id: classNum,
      text: 'без ответа',
      reply_parameters: { message_id: 99999, allow_sending_without_reply: true },
    });
    assert.equal(ok.json.ok, true);
  });

  test('a bot sees only the chats it was added to, and cannot start a direct chat (least of all with a student)', async () => {
    // The parents' chat and the staff room exist, but the bot is not in them.
    for (const chatId of [parentsChat, staffChat]) {
      const num = (await t.runtime.ctx.db.selectFrom('bot_numbers').select('num').where('ref', '=', chatId).executeTakeFirst())?.num;
      const r = await call(t, bot.token, 'getChat', { chat_id: num ? -Number(num) : -1 });
      assert.equal(r.json.description, 'Bad Request: chat not found');
      const s = await call(t, bot.token, 'sendMessage', { chat_id: num ? -Number(num) : -1, text: 'x' });
      assert.equal(s.json.description, 'Bad Request: chat not found');
    }
    await send(t, student, classChat, '/menu');
    const u = await until('the student message', async () => (await drain(bot.token)).find((x) => x.message?.text === '/menu'));
    const studentNum = u.message.from.id;
    assert.equal(u.message.from.is_bot, false);
    const dm = await call(t, bot.token, 'sendMessage', { chat_id: studentNum, text: 'Привет' });
    assert.equal(dm.status, 403);
    assert.deepEqual(dm.json, { ok: false, error_code: 403, description: "Forbidden: bot can't initiate conversation with a user" });
    const count = await t.runtime.ctx.db
      .selectFrom('chats')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', 'direct')
      .executeTakeFirstOrThrow();
    const dms = await t.runtime.ctx.db
      .selectFrom('chat_members')
      .innerJoin('chats', 'chats.id', 'chat_members.chat_id')
      .innerJoin('bots', 'bots.user_id', 'chat_members.user_id')
      .select('chats.id')
      .where('chats.kind', '=', 'direct')
      .where('bots.username', '=', 'menu_bot')
      .execute();
    assert.equal(dms.length, 0, `no direct chat with the bot (of ${count.n} direct chats)`);
  });

  test('privacy mode: commands, mentions and replies only; turned off, everything (and the members are told)', async () => {
    await drain(bot.token);
    await send(t, teacher, classChat, 'Обычный разговор');
    await send(t, teacher, classChat, '/menu@other_bot');
    await send(t, teacher, classChat, 'Вопрос к @menu_bot: что на обед?');
    await send(t, teacher, classChat, '/today');
    const own = await call(t, bot.token, 'sendMessage', { chat_id: classNum, text: 'Спросите меня' });
    const target = (await history(t, teacher, classChat)).find((m) => m.seq === own.json.result.message_id)!;
    await send(t, teacher, classChat, 'Отвечаю боту', { replyToId: target.id });
    const got = await until('three addressed messages', async () => {
      const all = await updates(bot.token);
      return all.length >= 3 ? all : null;
    });
    await new Promise((r) => setTimeout(r, 300));
    const texts = (await drain(bot.token)).map((u) => u.message.text);
    assert.deepEqual(texts, ['Вопрос к @menu_bot: что на обед?', '/today', 'Отвечаю боту']);
    assert.ok(
      got.every((u: any, i: number) => i === 0 || u.update_id === got[i - 1].update_id + 1),
      'update ids increase by one',
    );
    const cmd = got.find((u: any) => u.message.text === '/today');
    assert.deepEqual(cmd.message.entities, [{ type: 'bot_command', offset: 0, length: 6 }]);
    const reply = got.find((u: any) => u.message.text === 'Отвечаю боту');
    assert.equal(reply.message.reply_to_message.message_id, own.json.result.message_id);

    const off = await t.request('PATCH', `/api/v1/schools/${admin.schoolId}/bots/${bot.id}`, { token: admin.token, body: { privacy: false } });
    assert.equal(off.statusCode, 200, off.body);
    assert.equal((await call(t, bot.token, 'getMe')).json.result.can_read_all_group_messages, true);
    const bots = await t.request('GET', `/api/v1/chats/${classChat}/bots`, { token: student.token });
    assert.equal(bots.json().bots[0].readsAll, true);
    await send(t, teacher, classChat, 'Теперь бот слышит всё');
    const all = await until('an ordinary message', async () => (await drain(bot.token)).find((u) => u.message?.text === 'Теперь бот слышит всё'));
    assert.ok(all);
    await t.request('PATCH', `/api/v1/schools/${admin.schoolId}/bots/${bot.id}`, { token: admin.token, body: { privacy: true } });
  });

  test('getUpdates: offset confirms, limit, a long poll answers when an update comes, edited_message, allowed_updates', async () => {
    await drain(bot.token);
    const started = Date.now();
    const poll = call(t, bot.token, 'getUpdates', { timeout: 20 });
    await new Promise((r) => setTimeout(r, 200));
    const sent = await send(t, teacher, classChat, '/poll');
    const r = await poll;
    assert.ok(Date.now() - started < 15_000, 'answered before the time-out');
    assert.equal(r.json.result.length, 1);
    assert.equal(r.json.result[0].message.text, '/poll');
    const id = r.json.result[0].update_id;
    // Not confirmed yet: read again.
    assert.equal((await updates(bot.token)).length, 1);
    const edit = await t.request('PATCH', `/api/v1/chats/${classChat}/messages/${sent.id}`, { token: teacher.token, body: { text: '/poll2' } });
    assert.equal(edit.statusCode, 200, edit.body);
    const both = await until('the edit', async () => {
      const all = await updates(bot.token, id + 1);
      return all.length ? all : null;
    });
    assert.equal(both[0].edited_message.text, '/poll2');
    assert.equal(both[0].edited_message.message_id, r.json.result[0].message.message_id);
    assert.equal(typeof both[0].edited_message.edit_date, 'number');
    assert.equal((await updates(bot.token, both[0].update_id + 1)).length, 0);
    // allowed_updates: only callback queries from now on.
    await call(t, bot.token, 'getUpdates', { allowed_updates: ['callback_query'], timeout: 0 });
    await send(t, teacher, classChat, '/ignored');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await updates(bot.token)).length, 0);
    await call(t, bot.token, 'getUpdates', { allowed_updates: [], timeout: 0 });
    // limit
    for (const x of ['/a', '/b', '/c']) await send(t, teacher, classChat, x);
    await until('three', async () => (await updates(bot.token)).length >= 3);
    const limited = await call(t, bot.token, 'getUpdates', { limit: 2 });
    assert.equal(limited.json.result.length, 2);
    await drain(bot.token);
  });

  test('editMessageText and deleteMessage', async () => {
    const sent = (await call(t, bot.token, 'sendMessage', { chat_id: classNum, text: 'Было' })).json.result;
    const same = await call(t, bot.token, 'editMessageText', { chat_id: classNum, message_id: sent.message_id, text: 'Было' });
    assert.equal(same.status, 400);
    assert.match(same.json.description!, /^Bad Request: message is not modified/);
    const edited = await call(t, bot.token, 'editMessageText', { chat_id: classNum, message_id: sent.message_id, text: 'Стало' });
    assert.equal(edited.json.result.text, 'Стало');
    assert.equal(typeof edited.json.result.edit_date, 'number');
    const theirs = await send(t, teacher, classChat, 'Сообщение учителя');
    const other = await call(t, bot.token, 'editMessageText', { chat_id: classNum, message_id: theirs.seq, text: 'Чужое' });
    assert.deepEqual(other.json, { ok: false, error_code: 400, description: "Bad Request: message can't be edited" });
    const cannot = await call(t, bot.token, 'deleteMessage', { chat_id: classNum, message_id: theirs.seq });
    assert.deepEqual(cannot.json, { ok: false, error_code: 400, description: "Bad Request: message can't be deleted" });
    const missing = await call(t, bot.token, 'editMessageText', { chat_id: classNum, message_id: 999999, text: 'x' });
    assert.equal(missing.json.description, 'Bad Request: message to edit not found');
    assert.deepEqual((await call(t, bot.token, 'deleteMessage', { chat_id: classNum, message_id: sent.message_id })).json, { ok: true, result: true });
    assert.equal(
      (await call(t, bot.token, 'deleteMessage', { chat_id: classNum, message_id: sent.message_id })).json.description,
      'Bad Request: message to delete not found',
    );
    const gone = (await history(t, teacher, classChat)).find((m) => m.seq === sent.message_id)!;
    assert.ok(gone.deletedAt);
  });

  test('sendDocument (multipart upload and by file_id), sendPhoto, getFile and the download', async () => {
    const form = new FormData();
    form.set('chat_id', String(classNum));
    form.set('caption', 'Меню');
    form.set('document', new Blob(['Понедельник: щи']), 'меню.txt');
    const req = new Request('http://x/', { method: 'POST', body: form });
    const body = Buffer.from(await req.arrayBuffer());
    const res = await t.request('POST', `/bot${bot.token}/sendDocument`, { body, headers: { 'content-type': req.headers.get('content-type')! } });
    assert.equal(res.statusCode, 200, res.body);
    const m = res.json().result;
    assert.equal(m.caption, 'Меню');
    assert.equal(m.document.file_name, 'меню.txt');
    assert.equal(m.document.file_size, Buffer.byteLength('Понедельник: щи'));
    const file = await call(t, bot.token, 'getFile', { file_id: m.document.file_id });
    assert.equal(file.json.ok, true);
    const download = await t.request('GET', `/file/bot${bot.token}/${file.json.result.file_path}`);
    assert.equal(download.statusCode, 200);
    assert.equal(download.body, 'Понедельник: щи');
    const bad = await t.request('GET', `/file/bot${bot.token}x/${file.json.result.file_path}`);
    assert.equal(bad.statusCode, 401);
    const again = await call(t, bot.token, 'sendDocument', { chat_id: classNum, document: m.document.file_id });
    assert.equal(again.json.result.document.file_name, 'меню.txt');
    assert.notEqual(again.json.result.document.file_id, m.document.file_id, 'a copy in the chat');
    const url = await call(t, bot.token, 'sendDocument', { chat_id: classNum, document: 'https://example.com/a.pdf' });
    assert.deepEqual(url.json, { ok: false, error_code: 400, description: 'Bad Request: wrong file identifier/HTTP URL specified' });
    assert.equal((await call(t, bot.token, 'getFile', { file_id: 'BQ' + '0'.repeat(32) })).json.description, 'Bad Request: invalid file_id');
    const notPhoto = await call(t, bot.token, 'sendPhoto', { chat_id: classNum, photo: m.document.file_id });
    assert.equal(notPhoto.json.description, 'Bad Request: IMAGE_PROCESS_FAILED');
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
    const pform = new FormData();
    pform.set('chat_id', String(classNum));
    pform.set('photo', 'attach://pic');
    pform.set('pic', new Blob([png]), 'dot.png');
    const preq = new Request('http://x/', { method: 'POST', body: pform });
    const photo = await t.request('POST', `/bot${bot.token}/sendPhoto`, {
      body: Buffer.from(await preq.arrayBuffer()),
      headers: { 'content-type': preq.headers.get('content-type')! },
    });
    assert.equal(photo.statusCode, 200, photo.body);
    assert.equal(photo.json().result.photo[0].width, 1);
  });

  test('callback queries: a press by a member reaches the bot once; answerCallbackQuery answers once', async () => {
    await drain(bot.token);
    const sent = (
      await call(t, bot.token, 'sendMessage', {
        chat_id: classNum,
        text: 'Выберите',
        reply_markup: { inline_keyboard: [[{ text: 'Да', callback_data: 'yes' }]] },
      })
    ).json.result;
    const message = (await history(t, student, classChat)).find((m) => m.seq === sent.message_id)!;
    const wrong = await t.request('POST', `/api/v1/chats/${classChat}/messages/${message.id}/callback`, { token: student.token, body: { data: 'no' } });
    assert.equal(wrong.statusCode, 400);
    assert.equal(wrong.json().error.code, 'bot_button_invalid');
    const outsider = await t.request('POST', `/api/v1/chats/${classChat}/messages/${message.id}/callback`, { token: guardian.token, body: { data: 'yes' } });
    assert.equal(outsider.statusCode, 404, 'a guardian is not in the class chat');
    const press = await t.request('POST', `/api/v1/chats/${classChat}/messages/${message.id}/callback`, { token: student.token, body: { data: 'yes' } });
    assert.equal(press.statusCode, 200, press.body);
    const u = await until('the callback query', async () => (await drain(bot.token)).find((x) => x.callback_query));
    assert.equal(u.callback_query.data, 'yes');
    assert.equal(u.callback_query.message.message_id, sent.message_id);
    assert.equal(u.callback_query.from.is_bot, false);
    assert.equal(typeof u.callback_query.chat_instance, 'string');
    assert.deepEqual((await call(t, bot.token, 'answerCallbackQuery', { callback_query_id: u.callback_query.id, text: 'Принято' })).json, {
      ok: true,
      result: true,
    });
    const twice = await call(t, bot.token, 'answerCallbackQuery', { callback_query_id: u.callback_query.id });
    assert.equal(twice.json.description, 'Bad Request: query is too old and response timeout expired or query ID is invalid');
  });

  test('setMyCommands, getChat, getChatMember, getWebhookInfo', async () => {
    assert.deepEqual((await call(t, bot.token, 'setMyCommands', { commands: [{ command: 'menu', description: 'Меню на сегодня' }] })).json, {
      ok: true,
      result: true,
    });
    assert.deepEqual((await call(t, bot.token, 'getMyCommands')).json.result, [{ command: 'menu', description: 'Меню на сегодня' }]);
    assert.equal(
      (await call(t, bot.token, 'setMyCommands', { commands: [{ command: 'Меню!', description: 'x' }] })).json.description,
      'Bad Request: BOT_COMMAND_INVALID',
    );
    const listed = await t.request('GET', `/api/v1/schools/${admin.schoolId}/bots/${bot.id}`, { token: admin.token });
    assert.deepEqual(listed.json().commands, [{ command: 'menu', description: 'Меню на сегодня' }]);
    const chat = await call(t, bot.token, 'getChat', { chat_id: classNum });
    assert.equal(chat.json.result.id, classNum);
    assert.equal(chat.json.result.type, 'group');
    assert.equal(chat.json.result.title, '5А');
    await send(t, teacher, classChat, '/who');
    const u = await until('teacher', async () => (await drain(bot.token)).find((x) => x.message?.text === '/who'));
    const member = await call(t, bot.token, 'getChatMember', { chat_id: classNum, user_id: u.message.from.id });
    assert.equal(member.json.result.status, 'administrator', 'a teacher moderates the class chat');
    assert.equal(member.json.result.user.id, u.message.from.id);
    const self = await call(t, bot.token, 'getChatMember', { chat_id: classNum, user_id: bot.num });
    assert.equal(self.json.result.status, 'member');
    const info = await call(t, bot.token, 'getWebhookInfo');
    assert.equal(info.json.result.url, '');
    assert.equal(typeof info.json.result.pending_update_count, 'number');
    const insecure = await call(t, bot.token, 'setWebhook', { url: 'ftp://x' });
    assert.equal(insecure.json.description, 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook');
    const secret = await call(t, bot.token, 'setWebhook', { url: 'https://x.example/h', secret_token: 'не так' });
    assert.equal(secret.json.description, 'Bad Request: secret token contains unallowed characters');
  });

  test('a webhook: the secret header, a failed post retried later and recorded for getWebhookInfo, then delivered in order', async () => {
    const hook = await createBot(t, admin, 'hooked', [classChat]);
    const got: { secret: unknown; body: any }[] = [];
    let fail = 1;
    const server = http.createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        if (fail > 0) {
          fail--;
          res.statusCode = 500;
          return res.end('down');
        }
        got.push({ secret: req.headers['x-telegram-bot-api-secret-token'], body: JSON.parse(data) });
        res.end('');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tg`;
      assert.deepEqual((await call(t, hook.token, 'setWebhook', { url, secret_token: 'abc_DEF-1', drop_pending_updates: true })).json, {
        ok: true,
        result: true,
      });
      await send(t, teacher, classChat, '/first');
      await send(t, teacher, classChat, '/second');
      const failed = await until('the failure recorded', async () => {
        const info = (await call(t, hook.token, 'getWebhookInfo')).json.result;
        return info.last_error_message ? info : null;
      });
      assert.equal(failed.url, url);
      assert.match(failed.last_error_message, /500/);
      assert.equal(typeof failed.last_error_date, 'number');
      // The bot's own my_chat_member update (it was just added to the chat) may come first, as in Telegram.
      const messages = () => got.filter((g) => g.body.message);
      await until('both delivered after the pause', async () => messages().length >= 2, 15_000);
      assert.deepEqual(
        messages().map((g) => g.body.message.text),
        ['/first', '/second'],
      );
      assert.ok(got.every((g) => g.secret === 'abc_DEF-1'));
      assert.ok(
        got.every((g, i) => i === 0 || g.body.update_id > got[i - 1]!.body.update_id),
        'in order',
      );
      assert.equal(messages()[1]!.body.update_id, messages()[0]!.body.update_id + 1);
      // The last post is confirmed only once the bot's answer reaches Parta, a moment after the bot saw it.
      await until('nothing pending once the bot answered', async () => (await call(t, hook.token, 'getWebhookInfo')).json.result.pending_update_count === 0);
    } finally {
      await call(t, hook.token, 'deleteWebhook');
      await new Promise((r) => server.close(r));
    }
  });

  test('the admin: only admins manage bots; the token is revocable at once; actions are in the audit log; the roster lists no bots', async () => {
    const denied = await t.request('POST', `/api/v1/schools/${admin.schoolId}/bots`, { token: teacher.token, body: { name: 'x', username: 'teacher_made' } });
    assert.equal(denied.statusCode, 403);
    const taken = await t.request('POST', `/api/v1/schools/${admin.schoolId}/bots`, { token: admin.token, body: { name: 'x', username: 'menu' } });
    assert.equal(taken.statusCode, 409);
    assert.equal(taken.json().error.code, 'bot_username_taken');
    const dm = await t.request('PUT', `/api/v1/schools/${admin.schoolId}/bots/${bot.id}/chats`, {
      token: admin.token,
      body: { chatIds: [classChat, '00000000-0000-4000-8000-000000000000'] },
    });
    assert.equal(dm.statusCode, 400);
    const other = await createBot(t, admin, 'olymp');
    assert.equal((await call(t, other.token, 'getMe')).status, 200);
    const fresh = await t.request('POST', `/api/v1/schools/${admin.schoolId}/bots/${other.id}/token`, { token: admin.token });
    const token2 = fresh.json().token as string;
    assert.equal((await call(t, other.token, 'getMe')).status, 401, 'the old token stops at once');
    assert.equal((await call(t, token2, 'getMe')).status, 200);
    const revoked = await t.request('DELETE', `/api/v1/schools/${admin.schoolId}/bots/${other.id}/token`, { token: admin.token });
    assert.equal(revoked.statusCode, 204);
    assert.deepEqual((await call(t, token2, 'getMe')).json, { ok: false, error_code: 401, description: 'Unauthorized' });
    const stored = await t.runtime.ctx.db.selectFrom('bots').select('token_hash').where('id', '=', bot.id).executeTakeFirstOrThrow();
    assert.ok(stored.token_hash && !stored.token_hash.includes(bot.token.split(':')[1]!), 'only a hash is kept');
    const log = await t.runtime.ctx.db.selectFrom('school_audit_log').select('action').where('school_id', '=', admin.schoolId).execute();
    const actions = new Set(log.map((l) => l.action));
    for (const a of [
      'bot.created',
      'bot.chats_set',
      'bot.updated',
      'bot.token_issued',
      'bot.token_revoked',
      'bot.message_sent',
      'bot.message_edited',
      'bot.message_deleted',
      'bot.callback_answered',
      'bot.commands_set',
    ])
      assert.ok(actions.has(a), a);
    const people = await t.request('GET', `/api/v1/schools/${admin.schoolId}/people?limit=200`, { token: admin.token });
    assert.equal(people.statusCode, 200, people.body);
    assert.ok(!people.json().people.some((p: { roles: string[] }) => p.roles.length === 0 || (p.roles as string[]).includes('bot')));
    // The class chat's roster sync (a new student) keeps the bots, which the admin added.
    const before = (await t.request('GET', `/api/v1/chats/${classChat}/bots`, { token: teacher.token }))
      .json()
      .bots.map((b: { username: string }) => b.username);
    assert.ok(before.includes('menu_bot'));
    const enrol = await t.request('POST', `/api/v1/schools/${admin.schoolId}/people`, {
      token: admin.token,
      body: {
        lastName: 'Новенький',
        firstName: 'Пётр',
        roles: ['student'],
        birthDate: '2015-03-01',
        classId: (await chatOf(t, teacher, 'class', '5А')).classId,
      },
    });
    assert.equal(enrol.statusCode, 201, enrol.body);
    const after = (await t.request('GET', `/api/v1/chats/${classChat}/bots`, { token: teacher.token }))
      .json()
      .bots.map((b: { username: string }) => b.username);
    assert.deepEqual(after, before);
  });
});
