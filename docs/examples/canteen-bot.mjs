// A school's canteen bot for Parta, written with grammY exactly as for Telegram.
// The only Parta-specific line is `apiRoot`: the address of your school's Parta.
//
//   npm install grammy
//   PARTA_API=https://parta.school.example PARTA_BOT_TOKEN=123:abc node canteen-bot.mjs
//
// The token comes from Parta's admin screen «Боты» (shown once). Add the bot to the chats it should
// serve there too. Without a webhook it uses long polling; set PARTA_WEBHOOK_URL to use a webhook.
import http from 'node:http';
import { Bot, InlineKeyboard, InputFile, webhookCallback } from 'grammy';

const token = process.env.PARTA_BOT_TOKEN;
const apiRoot = process.env.PARTA_API;
if (!token || !apiRoot) {
  console.error('Set PARTA_API and PARTA_BOT_TOKEN');
  process.exit(2);
}

const bot = new Bot(token, { client: { apiRoot } });

const MENU = {
  Пн: 'Борщ, гречка с котлетой, компот',
  Вт: 'Суп-лапша, плов, чай',
  Ср: 'Щи, макароны по-флотски, кисель',
  Чт: 'Рассольник, рыба с пюре, компот',
  Пт: 'Гороховый суп, курица с рисом, сок',
};

bot.command('start', (ctx) =>
  ctx.reply('Здравствуйте! Я бот столовой. Что показать?', {
    reply_markup: new InlineKeyboard().text('Меню на сегодня', 'today').text('Меню на неделю', 'week'),
  }),
);

bot.callbackQuery('today', async (ctx) => {
  const day = ['Вс', 'Пн', 'Вт', 'Ср', 'Чт', 'Пт', 'Сб'][new Date().getDay()];
  await ctx.answerCallbackQuery();
  await ctx.editMessageText(MENU[day] ? `Сегодня (${day}): ${MENU[day]}` : 'Сегодня столовая закрыта.', {
    reply_markup: new InlineKeyboard().text('Меню на неделю', 'week'),
  });
});

bot.callbackQuery('week', async (ctx) => {
  await ctx.answerCallbackQuery({ text: 'Отправляю файл' });
  const text = Object.entries(MENU)
    .map(([d, m]) => `${d}: ${m}`)
    .join('\n');
  await ctx.replyWithDocument(new InputFile(Buffer.from(text), 'menu.txt'), { caption: 'Меню на неделю' });
});

bot.catch((err) => console.error('update failed:', err.message));

const webhook = process.env.PARTA_WEBHOOK_URL;
if (webhook) {
  const port = Number(process.env.PORT ?? 8081);
  const secret = process.env.PARTA_WEBHOOK_SECRET ?? 'change-me';
  http.createServer(webhookCallback(bot, 'http', { secretToken: secret })).listen(port);
  await bot.api.setWebhook(webhook, { secret_token: secret });
  console.log(`webhook at ${webhook} (listening on ${port})`);
} else {
  await bot.api.deleteWebhook();
  console.log('long polling; Ctrl+C stops');
  await bot.start();
}
