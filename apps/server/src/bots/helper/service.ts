import crypto from 'node:crypto';
import type { HelperRequest } from '@parta/protocol';
import type { z } from 'zod';
import type { FaqBody, ResolveRequestBody } from '@parta/protocol';
import type { AppContext } from '../../context.ts';
import type { Queryable, Tx } from '../../db/schema.ts';
import type { SchoolAccess } from '../../directory/access.ts';
import { updatePerson } from '../../directory/service.ts';
import { fullName } from '../../directory/rules.ts';
import { AppError } from '../../http/errors.ts';
import { t } from '../../i18n/messages.ts';
import { normalisePhone } from '../../identity/phone.ts';
import { createInvitation } from '../../membership/service.ts';
import { accessChat } from '../../messaging/access.ts';
import { syncMembers } from '../../messaging/members.ts';
import { sendMessage } from '../../messaging/send.ts';
import type { Outbox } from '../../stream/outbox.ts';
import { withOutbox } from '../../stream/transaction.ts';
import { insertBot } from '../service.ts';
import { audit, hashToken, type BotRow } from '../store.ts';
import { DEFAULT_FAQ } from './faq.ts';

/**
 * «Помощник», the school's assistant, on the server's side: the bot account of each school
 * (made once), a direct chat with it for every account on the roster, the FAQ the school edits,
 * and the requests it passes to the school admin, who handles them here. The conversation itself
 * is a client of the Bot API (helper/bot.ts).
 */

export const HELPER_NAME = 'Помощник';

/** The in-process assistant's token: derived from the instance's secret, so every process knows it. */
export function helperToken(secret: string, bot: Pick<BotRow, 'id' | 'num'>): string {
  return `${bot.num}:${crypto.createHmac('sha256', secret).update(`helper-bot:${bot.id}`).digest('base64url').slice(0, 35)}`;
}

/** The school's assistant, made with its FAQ the first time. */
export async function ensureHelper(trx: Tx, schoolId: string): Promise<BotRow> {
  const found = await trx.selectFrom('bots').selectAll().where('school_id', '=', schoolId).where('kind', '=', 'helper').executeTakeFirst();
  if (found) return found;
  const bot = await insertBot(trx, schoolId, {
    username: `helper_${schoolId.replace(/-/g, '').slice(0, 12)}_bot`,
    name: HELPER_NAME,
    description: 'Помощник школы: отвечает на частые вопросы и передаёт обращения администратору',
    commands: [{ command: 'start', description: 'Что я умею' }],
    kind: 'helper',
    createdBy: null,
  });
  await trx.updateTable('bots').set({ privacy: false }).where('id', '=', bot.id).execute();
  await trx
    .insertInto('helper_faq')
    .values(DEFAULT_FAQ.map((f, i) => ({ school_id: schoolId, ...f, position: i })))
    .execute();
  return { ...bot, privacy: false };
}

/** The direct chat of a roster person with the assistant, made (or rejoined) in the caller's transaction. */
export async function ensureDm(
  trx: Tx,
  outbox: Outbox,
  helper: BotRow,
  person: { id: string; user_id: string; last_name: string; first_name: string; middle_name: string | null; roles: string[] },
): Promise<string> {
  const key = [person.id, helper.person_id].sort().join(':');
  await trx
    .insertInto('chats')
    .values({ school_id: helper.school_id, kind: 'direct', direct_key: key })
    .onConflict((oc) => oc.columns(['school_id', 'direct_key']).where('direct_key', 'is not', null).doNothing())
    .execute();
  const chat = await trx.selectFrom('chats').selectAll().where('school_id', '=', helper.school_id).where('direct_key', '=', key).executeTakeFirstOrThrow();
  const botPerson = await trx.selectFrom('persons').selectAll().where('id', '=', helper.person_id).executeTakeFirstOrThrow();
  await syncMembers(
    trx,
    outbox,
    { ...chat, last_seq: Number(chat.last_seq) },
    [
      { person: { ...person, roles: person.roles as never }, role: 'member' },
      { person: { ...botPerson, user_id: helper.user_id }, role: 'member' },
    ],
    new Set([person.id, helper.person_id]),
  );
  return chat.id;
}

async function linkedPeople(db: Queryable, schoolId: string, personIds: string[] | null) {
  let q = db
    .selectFrom('persons')
    .select(['id', 'user_id', 'last_name', 'first_name', 'middle_name', 'roles'])
    .where('school_id', '=', schoolId)
    .where('archived_at', 'is', null)
    .where('user_id', 'is not', null)
    .where((eb) => eb.not(eb(eb.val('bot'), '=', eb.fn.any('roles'))));
  if (personIds) q = q.where('id', 'in', personIds);
  return (await q.execute()) as { id: string; user_id: string; last_name: string; first_name: string; middle_name: string | null; roles: string[] }[];
}

/** Every account on the roster gets its chat with the assistant: when linked, and once for those linked before. */
export function registerHelper(ctx: AppContext): void {
  // Runs in the roster's transaction: its events join that transaction's outbox.
  ctx.rosterHooks.on(async (trx, outbox, change) => {
    if (change.personIds.length === 0) return;
    const people = await linkedPeople(trx, change.schoolId, change.personIds);
    if (people.length === 0) return;
    const helper = await ensureHelper(trx, change.schoolId);
    {
      for (const p of people) {
        const inDm = await trx
          .selectFrom('chat_members')
          .innerJoin('chats', 'chats.id', 'chat_members.chat_id')
          .select('chats.id')
          .where('chats.direct_key', '=', [p.id, helper.person_id].sort().join(':'))
          .where('chat_members.person_id', '=', p.id)
          .where('chat_members.user_id', '=', p.user_id)
          .where('chat_members.left_at', 'is', null)
          .executeTakeFirst();
        if (!inDm) await ensureDm(trx, outbox, helper, p);
      }
    }
  });
}

/** At start: each school's assistant, and the chats of accounts linked before it existed. */
export async function backfillHelpers(ctx: AppContext): Promise<BotRow[]> {
  const schools = await ctx.db.selectFrom('schools').select('id').execute();
  const helpers: BotRow[] = [];
  for (const s of schools) {
    const helper = await ctx.db.transaction().execute((trx) => ensureHelper(trx, s.id));
    helpers.push(helper);
    const missing = await ctx.db
      .selectFrom('persons as p')
      .select('p.id')
      .where('p.school_id', '=', s.id)
      .where('p.archived_at', 'is', null)
      .where('p.user_id', 'is not', null)
      .where((eb) => eb.not(eb(eb.val('bot'), '=', eb.fn.any('p.roles'))))
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('chat_members as m')
              .select('m.chat_id')
              .whereRef('m.person_id', '=', 'p.id')
              .whereRef('m.user_id', '=', 'p.user_id')
              .where('m.left_at', 'is', null)
              .where('m.chat_id', 'in', selectFrom('chat_members as h').select('h.chat_id').where('h.person_id', '=', helper.person_id)),
          ),
        ),
      )
      .execute();
    for (let i = 0; i < missing.length; i += 200) {
      const ids = missing.slice(i, i + 200).map((m) => m.id);
      await withOutbox(ctx, async (trx, outbox) => {
        const people = await linkedPeople(trx, s.id, ids);
        for (const p of people) await ensureDm(trx, outbox, helper, p);
      });
    }
  }
  return helpers;
}

/** Gives the in-process assistant its derived token (unless the admin runs it as a process of its own). */
export async function armHelper(ctx: AppContext, helper: BotRow): Promise<string> {
  const token = helperToken(ctx.secret, helper);
  await ctx.db
    .updateTable('bots')
    .set({ token_hash: hashToken(ctx.secret, token), token_issued_at: new Date() })
    .where('id', '=', helper.id)
    .execute();
  return token;
}

export async function helperOf(db: Queryable, schoolId: string): Promise<BotRow> {
  const h = await db.selectFrom('bots').selectAll().where('school_id', '=', schoolId).where('kind', '=', 'helper').executeTakeFirst();
  if (!h) throw new AppError('bot_not_found', 404);
  return h;
}

/** The account's chat with the assistant in this school (for the client's "Помощник" entry). */
export async function myHelperChat(ctx: AppContext, access: SchoolAccess): Promise<string> {
  const helper = await ctx.db.transaction().execute((trx) => ensureHelper(trx, access.schoolId));
  const person = { ...access.person, user_id: access.person.user_id!, roles: access.person.roles as string[] };
  let chatId = '';
  await withOutbox(ctx, async (trx, outbox) => void (chatId = await ensureDm(trx, outbox, helper, person)));
  return chatId;
}

// ---- the FAQ ----

export async function listFaq(db: Queryable, schoolId: string) {
  const rows = await db.selectFrom('helper_faq').selectAll().where('school_id', '=', schoolId).orderBy('position').orderBy('question').execute();
  return rows.map((r) => ({ id: r.id, topic: r.topic, question: r.question, answer: r.answer, keywords: r.keywords, position: r.position }));
}

export async function saveFaq(ctx: AppContext, access: SchoolAccess, id: string | null, body: z.infer<typeof FaqBody>) {
  const values = { topic: body.topic, question: body.question, answer: body.answer, keywords: body.keywords, position: body.position, updated_at: new Date() };
  const row = id
    ? await ctx.db.updateTable('helper_faq').set(values).where('id', '=', id).where('school_id', '=', access.schoolId).returningAll().executeTakeFirst()
    : await ctx.db
        .insertInto('helper_faq')
        .values({ school_id: access.schoolId, ...values })
        .returningAll()
        .executeTakeFirst();
  if (!row) throw new AppError('faq_entry_not_found', 404);
  await audit(ctx.db, access.schoolId, access.person.id, id ? 'helper.faq_updated' : 'helper.faq_added', { id: row.id });
  return { id: row.id, topic: row.topic, question: row.question, answer: row.answer, keywords: row.keywords, position: row.position };
}

export async function deleteFaq(ctx: AppContext, access: SchoolAccess, id: string) {
  const res = await ctx.db.deleteFrom('helper_faq').where('id', '=', id).where('school_id', '=', access.schoolId).executeTakeFirst();
  if (Number(res.numDeletedRows) === 0) throw new AppError('faq_entry_not_found', 404);
  await audit(ctx.db, access.schoolId, access.person.id, 'helper.faq_deleted', { id });
}

// ---- requests to the school admin ----

export async function createRequest(
  ctx: AppContext,
  helper: BotRow,
  chatId: string,
  o: { kind: 'child_on_my_phone' | 'phone_changed' | 'question'; text: string; newPhone: string | null },
) {
  const other = await ctx.db
    .selectFrom('chat_members')
    .select(['user_id', 'person_id'])
    .where('chat_id', '=', chatId)
    .where('user_id', '!=', helper.user_id)
    .where('left_at', 'is', null)
    .executeTakeFirstOrThrow();
  const phone = o.newPhone ? normalisePhone(o.newPhone, ctx.config.phoneCountries) : null;
  const row = await ctx.db
    .insertInto('helper_requests')
    .values({
      school_id: helper.school_id,
      user_id: other.user_id,
      person_id: other.person_id,
      chat_id: chatId,
      kind: o.kind,
      text: o.text.slice(0, 4000),
      new_phone: phone,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await audit(ctx.db, helper.school_id, helper.person_id, 'helper.request_created', { requestId: row.id, kind: o.kind });
  return row.id;
}

async function presentRequests(db: Queryable, rows: Awaited<ReturnType<typeof requestRows>>): Promise<HelperRequest[]> {
  const out: HelperRequest[] = [];
  for (const r of rows) {
    const person = r.person_id ? await db.selectFrom('persons').selectAll().where('id', '=', r.person_id).executeTakeFirst() : undefined;
    const guardians =
      r.kind === 'child_on_my_phone' && r.person_id
        ? await db
            .selectFrom('guardianships')
            .innerJoin('persons', 'persons.id', 'guardianships.guardian_id')
            .select(['persons.id', 'persons.last_name', 'persons.first_name', 'persons.middle_name', 'persons.phone', 'persons.user_id'])
            .where('guardianships.student_id', '=', r.person_id)
            .where('persons.archived_at', 'is', null)
            .execute()
        : [];
    out.push({
      id: r.id,
      kind: r.kind,
      status: r.status,
      text: r.text,
      newPhone: r.new_phone,
      accountPhone: r.phone,
      accountName: [r.last_name, r.first_name].filter(Boolean).join(' '),
      person: person ? { id: person.id, name: fullName(person), roles: person.roles } : null,
      guardians: guardians.map((g) => ({ id: g.id, name: fullName(g), phone: g.phone, linked: g.user_id !== null })),
      answer: r.answer,
      invitationId: r.invitation_id,
      createdAt: r.created_at.toISOString(),
      decidedAt: r.decided_at?.toISOString() ?? null,
    });
  }
  return out;
}

function requestRows(db: Queryable, schoolId: string) {
  return db
    .selectFrom('helper_requests')
    .innerJoin('users', 'users.id', 'helper_requests.user_id')
    .selectAll('helper_requests')
    .select(['users.phone', 'users.last_name', 'users.first_name'])
    .where('helper_requests.school_id', '=', schoolId)
    .orderBy('helper_requests.created_at', 'desc')
    .execute();
}

export async function listRequests(db: Queryable, schoolId: string, status: 'open' | 'all') {
  const rows = await requestRows(db, schoolId);
  return presentRequests(
    db,
    rows.filter((r) => status === 'all' || r.status === 'open'),
  );
}

/** Says something in the account's chat with the assistant, as the assistant (the same service as the Bot API's sendMessage). */
async function tell(ctx: AppContext, helper: BotRow, chatId: string, text: string): Promise<void> {
  const access = await accessChat(ctx.db, helper.user_id, chatId).catch(() => null);
  if (!access) return;
  await sendMessage(ctx, access, helper.user_id, { clientId: `helper:${crypto.randomUUID()}`, text });
}

/**
 * The admin handles a request:
 * - a question: the answer arrives in the asker's chat with the assistant;
 * - "child on my phone": the student's roster person moves to the child's own phone (an invitation
 *   goes there), and the guardian's phone moves to the guardian's roster person, so the guardian's
 *   account stays and is now the guardian's;
 * - "phone changed": the person moves to the new phone (an invitation goes there);
 * - or a refusal, with a reason.
 */
export async function resolveRequest(ctx: AppContext, access: SchoolAccess, id: string, body: z.infer<typeof ResolveRequestBody>) {
  const req = await ctx.db.selectFrom('helper_requests').selectAll().where('id', '=', id).where('school_id', '=', access.schoolId).executeTakeFirst();
  if (!req) throw new AppError('helper_request_not_found', 404);
  if (req.status !== 'open') throw new AppError('helper_request_closed', 409);
  const helper = await helperOf(ctx.db, access.schoolId);
  const school = await ctx.db.selectFrom('schools').select('name').where('id', '=', access.schoolId).executeTakeFirstOrThrow();
  let invitation: { id: string; code: string; link: string } | null = null;
  let answer: string;
  let status: 'done' | 'rejected' = 'done';

  if (body.action === 'answer') {
    answer = body.answer;
    await tell(ctx, helper, req.chat_id, `Ответ администратора школы:\n${answer}`);
  } else if (body.action === 'reject') {
    status = 'rejected';
    answer = body.answer ?? 'Администратор школы отклонил обращение.';
    await tell(ctx, helper, req.chat_id, `Обращение отклонено. ${body.answer ?? ''}`.trim());
  } else {
    if (req.kind === 'question' || !req.person_id) throw new AppError('helper_action_invalid', 400);
    const newPhone = normalisePhone(body.newPhone, ctx.config.phoneCountries);
    const account = await ctx.db.selectFrom('users').select(['id', 'phone']).where('id', '=', req.user_id).executeTakeFirstOrThrow();
    if (req.kind === 'child_on_my_phone') {
      const student = await ctx.db.selectFrom('persons').selectAll().where('id', '=', req.person_id).where('archived_at', 'is', null).executeTakeFirst();
      if (!student || !(student.roles as string[]).includes('student')) throw new AppError('helper_action_invalid', 400);
      const guardians = await ctx.db
        .selectFrom('guardianships')
        .innerJoin('persons', 'persons.id', 'guardianships.guardian_id')
        .select(['persons.id', 'persons.user_id'])
        .where('guardianships.student_id', '=', student.id)
        .where('persons.archived_at', 'is', null)
        .execute();
      const guardianId = body.guardianPersonId ?? (guardians.filter((g) => !g.user_id).length === 1 ? guardians.find((g) => !g.user_id)!.id : undefined);
      if (!guardianId || !guardians.some((g) => g.id === guardianId)) throw new AppError('guardian_person_required', 400);
      await tell(ctx, helper, req.chat_id, 'Администратор школы переносит ученика на его собственный номер. Войдите снова — вы увидите свои чаты родителя.');
      // The student's person leaves the guardian's account (its sessions end, as any phone move does) …
      await updatePerson(ctx, access.schoolId, student.id, { phone: newPhone });
      // … and the guardian's phone is the guardian's person's: the account is linked to it.
      await updatePerson(ctx, access.schoolId, guardianId, { phone: account.phone });
      invitation = await inviteTo(ctx, access, student.id, newPhone, school.name);
      answer = `Ученик перенесён на номер ${newPhone}; номер ${account.phone} закреплён за родителем.`;
      const guardianChat = await ctx.db
        .selectFrom('chats')
        .select('id')
        .where('school_id', '=', access.schoolId)
        .where('direct_key', '=', [guardianId, helper.person_id].sort().join(':'))
        .executeTakeFirst();
      if (guardianChat)
        await tell(
          ctx,
          helper,
          guardianChat.id,
          `Готово. Ваш номер теперь закреплён за вами как за родителем, а ребёнку отправлено приглашение на номер ${newPhone}.`,
        );
    } else {
      await tell(ctx, helper, req.chat_id, `Готово: в школе ваш номер заменён на ${newPhone}. Войдите в Parta с новым номером — туда отправлено приглашение.`);
      await updatePerson(ctx, access.schoolId, req.person_id, { phone: newPhone });
      invitation = await inviteTo(ctx, access, req.person_id, newPhone, school.name);
      answer = `Номер заменён на ${newPhone}.`;
    }
  }
  await ctx.db
    .updateTable('helper_requests')
    .set({ status, answer, invitation_id: invitation?.id ?? null, decided_by: access.person.id, decided_at: new Date() })
    .where('id', '=', id)
    .execute();
  await audit(ctx.db, access.schoolId, access.person.id, 'helper.request_resolved', {
    requestId: id,
    action: body.action,
    invitationId: invitation?.id ?? null,
  });
  const [request] = await presentRequests(
    ctx.db,
    (await requestRows(ctx.db, access.schoolId)).filter((r) => r.id === id),
  );
  return { request: request!, invitation };
}

/** An invitation to the person's new phone, sent there by SMS; none when an account on that phone was linked at once. */
async function inviteTo(ctx: AppContext, access: SchoolAccess, personId: string, phone: string, schoolName: string) {
  const person = await ctx.db.selectFrom('persons').select('user_id').where('id', '=', personId).executeTakeFirstOrThrow();
  if (person.user_id) return null;
  const inv = await createInvitation(ctx, access, access.person.user_id!, personId, 24 * 14);
  const text = t('ru', 'helper_invitation_sms', { school: schoolName, link: inv.link, code: inv.code });
  // In development the text is also kept in the outbox the sign-in codes use (GET /api/v1/dev/sms).
  if (ctx.config.dev) await ctx.db.insertInto('dev_sms_outbox').values({ phone, text, code: null }).execute();
  await ctx.sms.send(phone, text).catch((err) => ctx.log.warn({ err }, 'the invitation SMS failed'));
  return { id: inv.id, code: inv.code, link: inv.link };
}
