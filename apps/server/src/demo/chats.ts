import { Readable } from 'node:stream';
import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import { linkByPhone } from '../membership/linking.ts';
import { upsertUserByPhone } from '../identity/store.ts';
import { loadAccess } from '../messaging/access.ts';
import { pin, react, markRead } from '../messaging/actions.ts';
import { sendMessage } from '../messaging/send.ts';
import { uploadFile } from '../files/service.ts';
import { createPoll, vote } from '../meetings/polls.ts';
import { scheduleMeeting, rsvp } from '../meetings/service.ts';
import { withOutbox } from '../stream/transaction.ts';
import { DEMO_PHONES } from './phones.ts';

/**
 * A week of 5А's life in the demo school's chats, so that a newcomer opens a school that talks:
 * the class teacher's announcements (one with a file, one pinned), parents' questions and the
 * answers, a post in the class channel that parents have read, a poll with votes, a parent
 * meeting on the calendar, a few stickers and reactions. Everything goes through the services
 * people use (accounts as at sign-in, sends, uploads, pins, votes); only the times are moved back
 * afterwards, so that the week reads as a week.
 */

/** Guardians of 5А who take part (the demo roster's phones: see seed.ts). */
const PARENTS_5A = [DEMO_PHONES.guardian5A, '+79002100002', '+79002100003', '+79002100004', '+79002100005'];

type Who = 'teacher' | 'maths' | 'p0' | 'p1' | 'p2' | 'p3' | 'p4';
interface Line {
  who: Who;
  text?: string;
  sticker?: string;
  /** Days before today, and the time of day (school's local time is close enough for a demo). */
  day: number;
  at: string;
  replyTo?: number;
  file?: { name: string; text: string };
  pin?: true;
  reactions?: [Who, string][];
}

const PARENTS_CHAT: Line[] = [
  {
    who: 'teacher',
    day: 6,
    at: '08:40',
    text: 'Добрый день, уважаемые родители! Это наш родительский чат 5А. Здесь я пишу об учёбе, мероприятиях и изменениях в расписании. Пожалуйста, пишите по делу, а личные вопросы — мне в личные сообщения. Сообщения после 20:00 я прочитаю утром.',
    pin: true,
    reactions: [
      ['p0', '👍'],
      ['p1', '👍'],
      ['p2', '🙏'],
    ],
  },
  { who: 'p0', day: 6, at: '09:12', text: 'Здравствуйте, Елена Петровна! Спасибо, всё понятно.' },
  {
    who: 'teacher',
    day: 5,
    at: '12:05',
    text: 'В пятницу 5А идёт на экскурсию в краеведческий музей. Сбор в 8:15 у школы, вернёмся к 13:00. Памятку о том, что взять с собой, прикрепляю.',
    file: {
      name: 'Памятка — экскурсия в музей.txt',
      text: 'Экскурсия в краеведческий музей, 5А\n\nСбор: 8:15 у главного входа школы.\nВозвращение: около 13:00.\n\nВзять с собой:\n- сменную обувь в пакете;\n- бутылку воды и небольшой перекус;\n- блокнот и ручку для заданий экскурсовода;\n- проездной или 100 рублей на автобус.\n\nОдежда по погоде. Телефон классного руководителя: спросите в личных сообщениях.\n',
    },
    reactions: [
      ['p1', '👍'],
      ['p3', '👍'],
    ],
  },
  { who: 'p2', day: 5, at: '12:31', text: 'А деньги на билеты нужно сдавать?', replyTo: 2 },
  {
    who: 'teacher',
    day: 5,
    at: '12:40',
    text: 'Нет, вход для школьных групп бесплатный. Нужны только деньги на автобус, если у ребёнка нет проездного.',
    replyTo: 3,
    reactions: [['p2', '🙏']],
  },
  { who: 'p3', day: 4, at: '18:20', text: 'Подскажите, по математике на завтра задали № 245 и 247 или только 245?' },
  { who: 'p1', day: 4, at: '18:34', text: 'У нас в дневнике записано оба номера, 245 и 247.', replyTo: 5 },
  { who: 'p3', day: 4, at: '18:36', sticker: 'thumbs-up' },
  {
    who: 'teacher',
    day: 3,
    at: '15:10',
    text: 'Ольга Николаевна просила передать: в четверг по математике самостоятельная работа по теме «Сложение и вычитание дробей». Повторите, пожалуйста, с детьми правило из параграфа 12.',
    reactions: [
      ['p0', '👍'],
      ['p4', '👍'],
    ],
  },
  { who: 'p4', day: 2, at: '07:55', text: 'Елена Петровна, доброе утро. Миша сегодня заболел, в школу не придёт. Справку принесём.' },
  { who: 'teacher', day: 2, at: '08:10', text: 'Спасибо, что предупредили. Выздоравливайте! Задания по русскому пришлю сюда вечером.', replyTo: 9 },
  {
    who: 'teacher',
    day: 1,
    at: '16:30',
    text: 'Напоминаю: родительское собрание в четверг в 18:30, онлайн, прямо в Парте. Ссылка будет в карточке собрания выше. Ответьте, пожалуйста, на опрос про подарок к Новому году.',
  },
  { who: 'p0', day: 1, at: '16:45', sticker: 'heart' },
  {
    who: 'p1',
    day: 0,
    at: '08:05',
    text: 'Спасибо за экскурсию! Дети в восторге 😊',
    reactions: [
      ['teacher', '❤️'],
      ['p2', '❤️'],
    ],
  },
];

const CLASS_CHAT: Line[] = [
  { who: 'teacher', day: 5, at: '14:00', text: 'Ребята, завтра не забудьте тетради для диктантов и сменную обувь!' },
  { who: 'maths', day: 3, at: '15:00', text: 'Ребята, в четверг самостоятельная работа по дробям. Повторите параграф 12 и задачи, которые решали в классе.' },
  { who: 'teacher', day: 2, at: '15:20', sticker: 'top-mark' },
  { who: 'teacher', day: 2, at: '15:21', text: 'Молодцы, контрольную по русскому написали хорошо! Оценки уже в дневнике.' },
];

const CHANNEL: Line[] = [
  {
    who: 'teacher',
    day: 3,
    at: '10:00',
    text: 'Новости 5А: наш класс занял второе место в школьном конкурсе чтецов. Поздравляем Соню Кузнецову и Артёма Иванова! 🏆',
  },
];

async function account(ctx: AppContext, phone: string): Promise<string> {
  return withOutbox(ctx, async (trx, outbox) => {
    const user = await upsertUserByPhone(trx, phone);
    await linkByPhone(ctx, trx, outbox, user);
    return user.id;
  });
}

export async function seedDemoChats(ctx: AppContext, schoolId: string): Promise<void> {
  const users: Record<Who, string> = {
    teacher: await account(ctx, DEMO_PHONES.classTeacher5A),
    maths: await account(ctx, DEMO_PHONES.subjectTeacher),
    p0: await account(ctx, PARENTS_5A[0]!),
    p1: await account(ctx, PARENTS_5A[1]!),
    p2: await account(ctx, PARENTS_5A[2]!),
    p3: await account(ctx, PARENTS_5A[3]!),
    p4: await account(ctx, PARENTS_5A[4]!),
  };
  const c5a = await ctx.db.selectFrom('classes').select('id').where('school_id', '=', schoolId).where('name', '=', '5А').executeTakeFirstOrThrow();
  const chatOf = async (kind: 'parents' | 'class' | 'class_channel') =>
    (
      await ctx.db
        .selectFrom('chats')
        .select('id')
        .where('school_id', '=', schoolId)
        .where('class_id', '=', c5a.id)
        .where('kind', '=', kind)
        .executeTakeFirstOrThrow()
    ).id;
  const parentsChat = await chatOf('parents');
  const classChat = await chatOf('class');
  const channel = await chatOf('class_channel');

  const placed: { id: string; when: Date }[] = [];
  const play = async (chatId: string, lines: Line[], key: string) => {
    const ids: string[] = [];
    for (const [i, line] of lines.entries()) {
      const access = await loadAccess(ctx, users[line.who], chatId);
      const attachments: string[] = [];
      if (line.file) {
        const file = Buffer.from(line.file.text, 'utf8');
        const up = await uploadFile(ctx, access, users[line.who], { filename: line.file.name, stream: Readable.from([file]), truncated: () => false });
        attachments.push(up.id);
      }
      const { message } = await sendMessage(ctx, access, users[line.who], {
        clientId: `demo-${key}-${i}`,
        text: line.text ?? '',
        ...(line.sticker ? { sticker: line.sticker } : {}),
        ...(attachments.length ? { attachments } : {}),
        ...(line.replyTo !== undefined ? { replyToId: ids[line.replyTo] } : {}),
      });
      ids.push(message.id);
      placed.push({ id: message.id, when: when(line.day, line.at) });
      if (line.pin) await pin(ctx, access, message.id);
      for (const [who, emoji] of line.reactions ?? []) await react(ctx, await loadAccess(ctx, users[who], chatId), message.id, emoji, true);
    }
    return ids;
  };
  await play(parentsChat, PARENTS_CHAT, 'parents');
  await play(classChat, CLASS_CHAT, 'class');
  await play(channel, CHANNEL, 'channel');

  // The parent meeting on Thursday at 18:30, with answers; the poll about the New Year present.
  const teacherInParents = await loadAccess(ctx, users.teacher, parentsChat);
  const thursday = nextWeekday(4, '18:30');
  const meeting = await scheduleMeeting(ctx, teacherInParents, users.teacher, {
    title: 'Родительское собрание 5А',
    agenda: ['Итоги второй четверти', 'Новогодний праздник', 'Разное'],
    startsAt: thursday.toISOString(),
    durationMinutes: 60,
  });
  for (const p of ['p0', 'p1', 'p3'] as const) await rsvp(ctx, meeting, await loadAccess(ctx, users[p], parentsChat), 'yes');
  const poll = await createPoll(ctx, teacherInParents, users.teacher, {
    question: 'Что дарим детям на Новый год?',
    options: ['Книги', 'Сладкие подарки', 'Билеты в театр'],
    multiple: false,
    anonymous: false,
    perFamily: true,
  });
  for (const [p, option] of [
    ['p0', 2],
    ['p1', 0],
    ['p2', 2],
  ] as const)
    await vote(ctx, poll, await loadAccess(ctx, users[p], parentsChat), [option]);

  // Parents have read the channel post (its views) and most of their chat.
  for (const p of ['p0', 'p1', 'p2', 'p3'] as const) {
    for (const chatId of [channel, parentsChat]) {
      const access = await loadAccess(ctx, users[p], chatId);
      await markRead(ctx, access, Number(access.chat.last_seq));
    }
  }

  // The week reads as a week: each seeded message at its time, in the order it was sent.
  for (const m of placed) await ctx.db.updateTable('messages').set({ created_at: m.when }).where('id', '=', m.id).execute();
  await ctx.db
    .updateTable('chats')
    .set({ created_at: sql`least(created_at, ${when(7, '08:00')})` })
    .where('id', 'in', [parentsChat, classChat, channel])
    .execute();
}

/** `days` before today at `hh:mm`, in this machine's time. */
function when(days: number, hhmm: string): Date {
  const [h, m] = hhmm.split(':').map(Number);
  const d = new Date();
  d.setDate(d.getDate() - days);
  d.setHours(h!, m!, 0, 0);
  // Today's lines never lie in the future.
  return d.getTime() > Date.now() ? new Date(Date.now() - 60_000) : d;
}

/** The next given weekday (1 = Monday … 7 = Sunday) at `hh:mm`, at least a day ahead. */
function nextWeekday(weekday: number, hhmm: string): Date {
  const [h, m] = hhmm.split(':').map(Number);
  const d = new Date();
  d.setHours(h!, m!, 0, 0);
  do d.setDate(d.getDate() + 1);
  while ((d.getDay() || 7) !== weekday);
  return d;
}
