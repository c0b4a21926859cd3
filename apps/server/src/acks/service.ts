import type { AckStatus, Locale } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import type { Queryable } from '../db/schema.ts';
import { accessSchool } from '../directory/access.ts';
import { fullName } from '../directory/rules.ts';
import { AppError } from '../http/errors.ts';
import { t } from '../i18n/messages.ts';
import { accessChat, type ChatAccess, type ChatRow } from '../messaging/access.ts';
import { getMessage } from '../messaging/actions.ts';
import { openDirect } from '../messaging/groups.ts';
import { sendMessage } from '../messaging/send.ts';
import { withOutbox } from '../stream/transaction.ts';
import { classFamilies } from '../meetings/families.ts';

/**
 * «Ознакомлен(а)» for any message: a teacher or admin asks for it (when sending, or afterwards);
 * each family of the class (in a class's parents' chats), or each recipient elsewhere, confirms
 * with one tap; the author, teachers and admins see who has and has not, and remind those who have
 * not with one action (a direct message each, at most every `NUDGE_INTERVAL_MS`).
 */

export const NUDGE_INTERVAL_MS = 30 * 60_000;
const FAMILY_CHATS = ['parents', 'parents_only'];

interface Unit {
  key: string;
  name: string;
  members: { personId: string; userId: string | null; name: string }[];
}

/** Who is asked to confirm in a chat, and the unit (family or person) each member confirms for. */
export async function recipients(
  db: Queryable,
  chat: Pick<ChatRow, 'id' | 'kind' | 'class_id'>,
  authorPersonId: string,
): Promise<{ units: Unit[]; unitOf(personId: string): string | null }> {
  const members = await db
    .selectFrom('chat_members')
    .innerJoin('persons', 'persons.id', 'chat_members.person_id')
    .select(['persons.id', 'persons.last_name', 'persons.first_name', 'persons.middle_name', 'persons.roles', 'chat_members.user_id'])
    .where('chat_members.chat_id', '=', chat.id)
    .where('chat_members.left_at', 'is', null)
    .where('persons.archived_at', 'is', null)
    .execute();
  const isStaff = (roles: readonly string[]) => roles.includes('teacher') || roles.includes('admin');
  const byFamily = FAMILY_CHATS.includes(chat.kind) && chat.class_id ? await classFamilies(db, chat.class_id) : null;
  const units = new Map<string, Unit>();
  const unitByPerson = new Map<string, string>();
  // Every family of the class is asked, even one none of whose guardians has signed in yet.
  for (const f of byFamily?.families ?? []) units.set(f.key, { key: f.key, name: f.name, members: [] });
  for (const m of members) {
    if (m.id === authorPersonId || isStaff(m.roles)) continue;
    const family = byFamily?.familyOf(m.id);
    const key = family && m.roles.includes('guardian') ? family.key : `person:${m.id}`;
    const unit = units.get(key) ?? { key, name: fullName(m), members: [] };
    unit.members.push({ personId: m.id, userId: m.user_id, name: fullName(m) });
    units.set(key, unit);
    unitByPerson.set(m.id, key);
  }
  const list = [...units.values()].sort((a, b) => a.name.localeCompare(b.name, 'ru'));
  return { units: list, unitOf: (personId) => unitByPerson.get(personId) ?? null };
}

/** Managers of a message's confirmations: its author, teachers and admins of the chat. */
const mayManage = (access: ChatAccess, authorPersonId: string) => access.isStaff || access.person.id === authorPersonId;

/** Asks (or stops asking) the chat to confirm a message. Teachers and admins only. */
export async function requestAck(ctx: AppContext, access: ChatAccess, messageId: string, required: boolean): Promise<void> {
  if (!access.isStaff) throw new AppError('ack_not_allowed', 403);
  const m = await getMessage(ctx.db, access, messageId);
  if (m.deleted_at) throw new AppError('message_deleted', 409);
  await withOutbox(ctx, async (trx, outbox) => {
    if (required)
      await trx
        .insertInto('message_ack_requests')
        .values({ message_id: m.id, chat_id: access.chat.id, requested_by_person_id: access.person.id })
        .onConflict((oc) => oc.column('message_id').doNothing())
        .execute();
    else await trx.deleteFrom('message_ack_requests').where('message_id', '=', m.id).execute();
    outbox.chat(access.chat.id, { type: 'message.ack', chatId: access.chat.id, messageId: m.id });
  });
}

/** One tap: confirms for the member's family (or themself). A second tap, by anyone of it, changes nothing. */
export async function acknowledge(ctx: AppContext, access: ChatAccess, messageId: string): Promise<void> {
  const m = await getMessage(ctx.db, access, messageId);
  const request = await ctx.db.selectFrom('message_ack_requests').select('message_id').where('message_id', '=', m.id).executeTakeFirst();
  if (!request || m.deleted_at) throw new AppError('ack_not_required', 404);
  const { unitOf } = await recipients(ctx.db, access.chat, m.author_person_id);
  const unit = unitOf(access.person.id);
  if (!unit) throw new AppError('ack_not_for_you', 403);
  await withOutbox(ctx, async (trx, outbox) => {
    const row = await trx
      .insertInto('message_acks')
      .values({ message_id: m.id, unit_key: unit, person_id: access.person.id })
      .onConflict((oc) => oc.columns(['message_id', 'unit_key']).doNothing())
      .returning('unit_key')
      .executeTakeFirst();
    if (row) outbox.chat(access.chat.id, { type: 'message.ack', chatId: access.chat.id, messageId: m.id });
  });
}

/** The confirmations of the chat's messages that ask for one (those given): the list only to managers. */
export async function ackStatuses(ctx: AppContext, access: ChatAccess, messageIds?: string[]): Promise<AckStatus[]> {
  let q = ctx.db
    .selectFrom('message_ack_requests')
    .innerJoin('messages', 'messages.id', 'message_ack_requests.message_id')
    .select(['message_ack_requests.message_id', 'message_ack_requests.nudged_at', 'messages.author_person_id'])
    .where('message_ack_requests.chat_id', '=', access.chat.id)
    .where('messages.deleted_at', 'is', null);
  if (messageIds) q = messageIds.length ? q.where('message_ack_requests.message_id', 'in', messageIds) : q.where((eb) => eb.val(false));
  const requests = await q.orderBy('message_ack_requests.requested_at', 'desc').limit(200).execute();
  if (requests.length === 0) return [];
  const acks = await ctx.db
    .selectFrom('message_acks')
    .innerJoin('persons', 'persons.id', 'message_acks.person_id')
    .select(['message_acks.message_id', 'message_acks.unit_key', 'message_acks.acked_at', 'persons.last_name', 'persons.first_name', 'persons.middle_name'])
    .where(
      'message_acks.message_id',
      'in',
      requests.map((r) => r.message_id),
    )
    .execute();
  const byAuthor = new Map<string, Awaited<ReturnType<typeof recipients>>>();
  const out: AckStatus[] = [];
  for (const r of requests) {
    let rec = byAuthor.get(r.author_person_id);
    if (!rec) byAuthor.set(r.author_person_id, (rec = await recipients(ctx.db, access.chat, r.author_person_id)));
    const mineKey = rec.unitOf(access.person.id);
    const given = new Map(acks.filter((a) => a.message_id === r.message_id).map((a) => [a.unit_key, a]));
    const mine = mineKey ? given.get(mineKey) : undefined;
    const manage = mayManage(access, r.author_person_id);
    const units = rec.units.map((u) => {
      const a = given.get(u.key);
      return { key: u.key, name: u.name, members: u.members.map((x) => x.name), ackedAt: a?.acked_at.toISOString() ?? null, ackedBy: a ? fullName(a) : null };
    });
    out.push({
      messageId: r.message_id,
      required: true,
      mine: { acked: Boolean(mine), ackedAt: mine?.acked_at.toISOString() ?? null, ackedBy: mine ? fullName(mine) : null, canAck: mineKey !== null },
      acked: units.filter((u) => u.ackedAt).length,
      total: units.length,
      canManage: manage,
      ...(manage ? { units, nudgedAt: r.nudged_at?.toISOString() ?? null } : {}),
    });
  }
  return out;
}

export async function ackStatus(ctx: AppContext, access: ChatAccess, messageId: string): Promise<AckStatus> {
  const m = await getMessage(ctx.db, access, messageId);
  const [status] = await ackStatuses(ctx, access, [m.id]);
  if (status) return status;
  return {
    messageId: m.id,
    required: false,
    mine: { acked: false, ackedAt: null, ackedBy: null, canAck: false },
    acked: 0,
    total: 0,
    canManage: mayManage(access, m.author_person_id),
  };
}

/**
 * One action: a direct message to every member of each family (or person) that has not confirmed,
 * from the one who reminds, through the ordinary send path (so notifications follow its rules).
 * At most once per `NUDGE_INTERVAL_MS` per message, claimed atomically.
 */
export async function nudge(
  ctx: AppContext,
  access: ChatAccess,
  userId: string,
  messageId: string,
  now = new Date(),
): Promise<{ nudged: number; nextAt: string }> {
  const m = await getMessage(ctx.db, access, messageId);
  if (!mayManage(access, m.author_person_id)) throw new AppError('ack_not_allowed', 403);
  const request = await ctx.db.selectFrom('message_ack_requests').select('message_id').where('message_id', '=', m.id).executeTakeFirst();
  if (!request || m.deleted_at) throw new AppError('ack_not_required', 404);
  const claimed = await ctx.db
    .updateTable('message_ack_requests')
    .set({ nudged_at: now })
    .where('message_id', '=', m.id)
    .where((eb) => eb.or([eb('nudged_at', 'is', null), eb('nudged_at', '<=', new Date(now.getTime() - NUDGE_INTERVAL_MS))]))
    .returning('nudged_at')
    .executeTakeFirst();
  const nextAt = new Date(now.getTime() + NUDGE_INTERVAL_MS).toISOString();
  if (!claimed) {
    const r = await ctx.db.selectFrom('message_ack_requests').select('nudged_at').where('message_id', '=', m.id).executeTakeFirstOrThrow();
    throw new AppError('ack_nudge_too_soon', 429, { nextAt: new Date(r.nudged_at!.getTime() + NUDGE_INTERVAL_MS).toISOString() });
  }
  const { units } = await recipients(ctx.db, access.chat, m.author_person_id);
  const given = new Set((await ctx.db.selectFrom('message_acks').select('unit_key').where('message_id', '=', m.id).execute()).map((a) => a.unit_key));
  const school = await accessSchool(ctx.db, userId, access.schoolId);
  const me = await ctx.db.selectFrom('users').select('locale').where('id', '=', userId).executeTakeFirstOrThrow();
  const chatName = await chatTitle(ctx.db, access.chat, me.locale);
  const excerpt = m.text.length > 120 ? `${m.text.slice(0, 117)}…` : m.text;
  let nudged = 0;
  for (const unit of units.filter((u) => !given.has(u.key))) {
    for (const person of unit.members.filter((p) => p.userId)) {
      try {
        const chatId = await openDirect(ctx, school, person.personId);
        const direct = await accessChat(ctx.db, userId, chatId);
        await sendMessage(ctx, direct, userId, {
          clientId: `ack-nudge:${m.id}:${now.getTime()}`,
          text: t(me.locale, 'ack_nudge', { chat: chatName, text: excerpt }),
        });
        nudged += 1;
      } catch (err) {
        // The school's rules may not allow a direct message to this person: the others are still reminded.
        if (!(err instanceof AppError)) throw err;
        ctx.log.info({ code: err.code, personId: person.personId }, 'ack reminder not sent');
      }
    }
  }
  return { nudged, nextAt };
}

async function chatTitle(db: Queryable, chat: ChatRow, locale: Locale): Promise<string> {
  const cls = chat.class_id ? await db.selectFrom('classes').select('name').where('id', '=', chat.class_id).executeTakeFirst() : undefined;
  return cls ? t(locale, 'notify_chat', { kind: chat.kind, name: cls.name }) : (chat.title ?? '');
}
