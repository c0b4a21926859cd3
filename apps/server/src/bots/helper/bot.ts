/**
 * «Помощник», the school's assistant: a bot that is a plain client of the Bot API (getUpdates,
 * sendMessage, answerCallbackQuery, editMessageText) plus two methods Parta gives it alone
 * (partaGetFaq, partaCreateRequest). It runs inside the server by default (runner.ts) and as a
 * process of its own (main.ts); it imports nothing of the server, so it can be read as an example.
 */

export type Api = <T = unknown>(method: string, params?: Record<string, unknown>) => Promise<T>;

/** The parts of Telegram's Update the assistant reads. */
interface TgUpdate {
  update_id: number;
  message?: { chat: { id: number; type: string }; text?: string };
  callback_query?: CallbackQuery;
}
interface CallbackQuery {
  id: string;
  data?: string;
  message?: { message_id: number; chat: { id: number } };
}

interface FaqEntry {
  id: string;
  topic: string;
  question: string;
  answer: string;
  keywords: string;
}

type Flow = { kind: 'child_on_my_phone' | 'phone_changed'; step: 'phone' | 'confirm'; phone?: string };

const fold = (s: string) => s.toLowerCase().replace(/ё/g, 'е');

/** The FAQ entry a question matches best (by its keywords), or null. */
export function bestAnswer(entries: FaqEntry[], text: string): FaqEntry | null {
  const q = fold(text);
  let best: FaqEntry | null = null;
  let bestScore = 0;
  for (const e of entries) {
    let score = e.keywords
      .split(',')
      .map((k) => fold(k.trim()))
      .filter((k) => k && q.includes(k)).length;
    if (fold(e.question).replace(/[?!.]/g, '').trim() === q.replace(/[?!.]/g, '').trim()) score += 10;
    if (score > bestScore) {
      best = e;
      bestScore = score;
    }
  }
  return best;
}

const CHILD =
  /(ребен|ребён|сын|доч).*(на мой номер|на моем номере|на моём номере|мой телефон|моем телефоне|моём телефоне)|(на мой номер|мой телефон).*(ребен|ребён|сын|доч)/i;
const CHANGED = /(сменил|поменял|новый|изменил|смена|сменила|поменяла).*(номер|телефон)/i;
const PHONE = /^\+?[\d\s()-]{10,20}$/;

const MENU = 'menu';

export class HelperBot {
  private offset = 0;
  private readonly flows = new Map<number, Flow>();

  constructor(private readonly api: Api) {}

  /** Read at each question: the school admin's edits apply at once. */
  private async entries(): Promise<FaqEntry[]> {
    return this.api<FaqEntry[]>('partaGetFaq');
  }

  private keyboard(entries: FaqEntry[]) {
    return {
      inline_keyboard: [
        ...entries.map((e) => [{ text: e.question, callback_data: `faq:${e.id}` }]),
        [{ text: 'Ребёнок зарегистрирован на мой номер', callback_data: 'flow:child' }],
        [{ text: 'Я сменил номер телефона', callback_data: 'flow:phone' }],
      ],
    };
  }

  private say(chatId: number, text: string, extra: Record<string, unknown> = {}) {
    return this.api('sendMessage', { chat_id: chatId, text, ...extra });
  }

  private async startFlow(chatId: number, kind: Flow['kind']) {
    this.flows.set(chatId, { kind, step: 'phone' });
    await this.say(
      chatId,
      kind === 'child_on_my_phone'
        ? 'Понимаю: ребёнок зарегистрирован на ваш номер, и вы видите его чаты вместо своих. Администратор школы перенесёт ребёнка на его собственный номер, а ваш номер останется за вами.\n\nНапишите номер телефона ребёнка, например +7 900 123-45-67.'
        : 'Напишите ваш новый номер телефона, например +7 900 123-45-67. Я передам заявку администратору школы.',
      { reply_markup: { inline_keyboard: [[{ text: 'Отмена', callback_data: 'cancel' }]] } },
    );
  }

  /** One update: a message in a private chat, or a button pressed under one of its messages. */
  async handle(update: TgUpdate): Promise<void> {
    if (update.message?.chat?.type === 'private' && typeof update.message.text === 'string')
      return this.onText(update.message.chat.id, update.message.text.trim());
    if (update.callback_query) return this.onButton(update.callback_query);
  }

  private async onText(chatId: number, text: string) {
    const flow = this.flows.get(chatId);
    if (text === '/start' || text === MENU || /^(привет|здравствуйте|меню|помощь)$/i.test(text)) {
      this.flows.delete(chatId);
      await this.say(
        chatId,
        'Здравствуйте! Я Помощник школы. Выберите вопрос или напишите свой — если не смогу ответить, передам его администратору школы, и ответ придёт сюда.',
        {
          reply_markup: this.keyboard(await this.entries()),
        },
      );
      return;
    }
    if (flow?.step === 'phone') {
      if (!PHONE.test(text)) {
        await this.say(chatId, 'Это не похоже на номер телефона. Напишите его цифрами, например +7 900 123-45-67, или нажмите «Отмена».');
        return;
      }
      flow.phone = text;
      flow.step = 'confirm';
      await this.say(
        chatId,
        flow.kind === 'child_on_my_phone'
          ? `Проверьте: ребёнка перенесут на номер ${text}, туда придёт приглашение. Ваш номер останется за вами как за родителем. Отправить заявку администратору школы?`
          : `Проверьте: новый номер ${text}, туда придёт приглашение. Отправить заявку администратору школы?`,
        { reply_markup: { inline_keyboard: [[{ text: 'Да, отправить заявку', callback_data: 'confirm' }], [{ text: 'Отмена', callback_data: 'cancel' }]] } },
      );
      return;
    }
    if (CHILD.test(text)) return this.startFlow(chatId, 'child_on_my_phone');
    if (CHANGED.test(text)) return this.startFlow(chatId, 'phone_changed');
    const entry = bestAnswer(await this.entries(), text);
    if (entry) {
      await this.say(chatId, entry.answer);
      return;
    }
    await this.api('partaCreateRequest', { chat_id: chatId, kind: 'question', text });
    await this.say(chatId, 'Я не знаю ответа на этот вопрос и передал его администратору школы. Ответ придёт сюда, в этот чат.');
  }

  private async onButton(q: CallbackQuery) {
    const chatId: number | undefined = q.message?.chat?.id;
    const data = String(q.data ?? '');
    if (chatId === undefined) return void (await this.api('answerCallbackQuery', { callback_query_id: q.id }));
    if (data.startsWith('faq:')) {
      const entry = (await this.entries()).find((e) => e.id === data.slice(4));
      await this.api('answerCallbackQuery', { callback_query_id: q.id });
      await this.say(chatId, entry ? entry.answer : 'Этот вопрос уже убрали из списка. Напишите, что вас интересует.');
      return;
    }
    if (data === 'flow:child' || data === 'flow:phone') {
      await this.api('answerCallbackQuery', { callback_query_id: q.id });
      return this.startFlow(chatId, data === 'flow:child' ? 'child_on_my_phone' : 'phone_changed');
    }
    const flow = this.flows.get(chatId);
    if (data === 'cancel') {
      this.flows.delete(chatId);
      await this.api('answerCallbackQuery', { callback_query_id: q.id, text: 'Отменено' });
      await this.api('editMessageText', { chat_id: chatId, message_id: q.message!.message_id, text: 'Заявка не отправлена.' }).catch(() => undefined);
      return;
    }
    if (data === 'confirm' && flow?.step === 'confirm' && flow.phone) {
      this.flows.delete(chatId);
      try {
        await this.api('partaCreateRequest', {
          chat_id: chatId,
          kind: flow.kind,
          new_phone: flow.phone,
          text: flow.kind === 'child_on_my_phone' ? 'Ребёнок зарегистрирован на мой номер' : 'Сменил номер телефона',
        });
      } catch {
        await this.api('answerCallbackQuery', { callback_query_id: q.id });
        await this.startFlow(chatId, flow.kind);
        await this.say(chatId, 'Номер не подошёл. Проверьте его и напишите ещё раз.');
        return;
      }
      await this.api('answerCallbackQuery', { callback_query_id: q.id, text: 'Заявка отправлена' });
      await this.api('editMessageText', {
        chat_id: chatId,
        message_id: q.message!.message_id,
        text: `Заявка отправлена администратору школы (номер ${flow.phone}). Я напишу сюда, когда её рассмотрят.`,
      });
      return;
    }
    await this.api('answerCallbackQuery', { callback_query_id: q.id, text: 'Эта кнопка уже не действует' });
  }

  /** Long polling until `signal` aborts; a failed call waits a little and tries again. */
  async run(signal: AbortSignal, timeout = 25): Promise<void> {
    while (!signal.aborted) {
      let updates: TgUpdate[];
      try {
        updates = await this.api<TgUpdate[]>('getUpdates', { offset: this.offset, timeout, allowed_updates: ['message', 'callback_query'] });
      } catch (err) {
        if (signal.aborted) return;
        if ((err as { code?: number }).code === 401) throw err;
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      for (const u of updates) {
        this.offset = u.update_id + 1;
        if (signal.aborted) return;
        await this.handle(u).catch(() => undefined);
      }
    }
  }
}

/** A Bot API client over HTTP, for the assistant as a process of its own. */
export function httpApi(apiRoot: string, token: string): Api {
  return async <T>(method: string, params: Record<string, unknown> = {}): Promise<T> => {
    const res = await fetch(`${apiRoot}/bot${token}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(params),
    });
    const body = (await res.json()) as { ok: boolean; result?: unknown; error_code?: number; description?: string };
    if (!body.ok) throw Object.assign(new Error(body.description), { code: body.error_code });
    return body.result as T;
  };
}
