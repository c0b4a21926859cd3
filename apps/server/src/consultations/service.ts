import type { Selectable } from 'kysely';
import type { Consultation, CreateConsultationBody } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import type { Queryable, Tx } from '../db/schema.ts';
import { accessSchool } from '../directory/access.ts';
import { fullName } from '../directory/rules.ts';
import { zonedInstant } from '../diary/calendar.ts';
import { AppError } from '../http/errors.ts';
import { accessChat, isChannel, type ChatAccess } from '../messaging/access.ts';
import { createGroup } from '../messaging/groups.ts';
import { sendMessage } from '../messaging/send.ts';
import type { Outbox } from '../stream/outbox.ts';
import { withOutbox } from '../stream/transaction.ts';
import { classFamilies } from '../meetings/families.ts';
import { accessMeeting, scheduleMeeting } from '../meetings/service.ts';
import type { ConsultationsTable } from './tables.ts';

/**
 * Individual consultations: a teacher opens slots in a class's chat (a day, from–to, minutes per
 * slot, a video call or a visit in person, a cut-off before the first slot); each family of the
 * class books one slot, and may swap or cancel it until the cut-off. A booked video slot is a
 * private meeting in a group of the teacher and that family's guardians (a waiting room on), and
 * the family sees its place in the queue: "вы следующие" when one family is still before it.
 */

type ConsultationRow = Selectable<ConsultationsTable>;
export const MAX_SLOTS = 48;

const canManage = (c: Pick<ConsultationRow, 'teacher_person_id'>, access: Pick<ChatAccess, 'person' | 'roles'>) =>
  c.teacher_person_id === access.person.id || access.roles.includes('admin');
const cutoffAt = (c: Pick<ConsultationRow, 'starts_at' | 'cutoff_minutes'>) => new Date(c.starts_at.getTime() - c.cutoff_minutes * 60_000);
const changed = (outbox: Outbox, c: Pick<ConsultationRow, 'id' | 'chat_id'>) =>
  outbox.chat(c.chat_id, { type: 'consultation.updated', chatId: c.chat_id, consultationId: c.id });
const isUniqueViolation = (err: unknown) => typeof err === 'object' && err !== null && (err as { code?: string }).code === '23505';

/** Opens consultation hours in a class's chat: teachers and admins; the chat is told in a message. */
export async function createConsultation(
  ctx: AppContext,
  access: ChatAccess,
  userId: string,
  body: CreateConsultationBody,
  now = new Date(),
): Promise<ConsultationRow> {
  if (!access.isStaff || isChannel(access.chat.kind) || !access.chat.class_id || !access.canPost) throw new AppError('consultation_not_allowed', 403);
  const school = await ctx.db.selectFrom('schools').select('timezone').where('id', '=', access.schoolId).executeTakeFirstOrThrow();
  const startsAt = zonedInstant(body.date, body.from, school.timezone);
  const endsAt = zonedInstant(body.date, body.to, school.timezone);
  const count = Math.floor((endsAt.getTime() - startsAt.getTime()) / (body.slotMinutes * 60_000));
  if (Number.isNaN(startsAt.getTime()) || count < 1 || count > MAX_SLOTS || startsAt.getTime() <= now.getTime())
    throw new AppError('consultation_slots_invalid', 400);
  const row = await withOutbox(ctx, async (trx, outbox) => {
    const c = await trx
      .insertInto('consultations')
      .values({
        school_id: access.schoolId,
        chat_id: access.chat.id,
        teacher_person_id: access.person.id,
        title: body.title,
        mode: body.mode,
        place: body.place,
        starts_at: startsAt,
        ends_at: new Date(startsAt.getTime() + count * body.slotMinutes * 60_000),
        slot_minutes: body.slotMinutes,
        cutoff_minutes: body.cutoffMinutes,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('consultation_slots')
      .values(
        Array.from({ length: count }, (_, i) => ({
          consultation_id: c.id,
          starts_at: new Date(startsAt.getTime() + i * body.slotMinutes * 60_000),
          ends_at: new Date(startsAt.getTime() + (i + 1) * body.slotMinutes * 60_000),
        })),
      )
      .execute();
    changed(outbox, c);
    return c;
  });
  const fmt = (d: Date, o: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat('ru-RU', { timeZone: school.timezone, ...o }).format(d);
  const when = `${fmt(row.starts_at, { day: 'numeric', month: 'long' })}, ${fmt(row.starts_at, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })}–${fmt(row.ends_at, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })}`;
  const how = row.mode === 'video' ? 'видеозвонок' : `встреча в школе${row.place ? `, ${row.place}` : ''}`;
  await sendMessage(ctx, access, userId, {
    clientId: `consultation:${row.id}`,
    text: `${row.title}: ${when} (${how}), по ${row.slot_minutes} минут. Запишитесь на удобное время в разделе «Консультации» этого чата до ${fmt(cutoffAt(row), { day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })}.`,
  });
  return row;
}

/** The consultation, if the account is a member of its chat; 404 otherwise. */
export async function accessConsultation(ctx: AppContext, userId: string, id: string): Promise<{ consultation: ConsultationRow; access: ChatAccess }> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError('consultation_not_found', 404);
  const consultation = await ctx.db.selectFrom('consultations').selectAll().where('id', '=', id).where('cancelled_at', 'is', null).executeTakeFirst();
  if (!consultation) throw new AppError('consultation_not_found', 404);
  const access = await accessChat(ctx.db, userId, consultation.chat_id).catch((err: unknown) => {
    if (err instanceof AppError && err.status === 404) throw new AppError('consultation_not_found', 404);
    throw err;
  });
  return { consultation, access };
}

export async function listConsultations(ctx: AppContext, access: ChatAccess, now = new Date()): Promise<ConsultationRow[]> {
  return ctx.db
    .selectFrom('consultations')
    .selectAll()
    .where('chat_id', '=', access.chat.id)
    .where('cancelled_at', 'is', null)
    .where('ends_at', '>', new Date(now.getTime() - 24 * 3600_000))
    .orderBy('starts_at')
    .execute();
}

/** The family a guardian books for: one of the chat's class. Others (teachers, students, guests) do not book. */
async function familyOf(db: Queryable, access: ChatAccess): Promise<{ key: string; name: string; guardianIds: string[] } | null> {
  if (!access.roles.includes('guardian')) return null;
  return (await classFamilies(db, access.chat.class_id)).familyOf(access.person.id);
}

export async function presentConsultation(ctx: AppContext, c: ConsultationRow, access: ChatAccess): Promise<Consultation> {
  const slots = await ctx.db
    .selectFrom('consultation_slots')
    .leftJoin('meetings', 'meetings.id', 'consultation_slots.meeting_id')
    .leftJoin('persons', 'persons.id', 'consultation_slots.booked_by_person_id')
    .select([
      'consultation_slots.id',
      'consultation_slots.starts_at',
      'consultation_slots.ends_at',
      'consultation_slots.family_key',
      'consultation_slots.meeting_id',
      'consultation_slots.done_at',
      'meetings.ended_at as meeting_ended_at',
      'persons.last_name',
      'persons.first_name',
      'persons.middle_name',
    ])
    .where('consultation_id', '=', c.id)
    .orderBy('consultation_slots.starts_at')
    .execute();
  const teacher = await ctx.db
    .selectFrom('persons')
    .select(['last_name', 'first_name', 'middle_name'])
    .where('id', '=', c.teacher_person_id)
    .executeTakeFirstOrThrow();
  const manage = canManage(c, access);
  const families = await classFamilies(ctx.db, access.chat.class_id);
  const mine = access.roles.includes('guardian') ? families.familyOf(access.person.id) : null;
  const names = new Map(families.families.map((f) => [f.key, f.name]));
  const done = (s: (typeof slots)[number]) => s.done_at !== null || s.meeting_ended_at !== null;
  const mySlot = mine ? slots.find((s) => s.family_key === mine.key) : undefined;
  const queue =
    mySlot && !done(mySlot) ? { slotId: mySlot.id, position: slots.filter((s) => s.family_key && s.starts_at < mySlot.starts_at && !done(s)).length } : null;
  return {
    id: c.id,
    chatId: c.chat_id,
    title: c.title,
    teacherName: fullName(teacher),
    mode: c.mode,
    place: c.place,
    startsAt: c.starts_at.toISOString(),
    endsAt: c.ends_at.toISOString(),
    slotMinutes: c.slot_minutes,
    cutoffAt: cutoffAt(c).toISOString(),
    isTeacher: manage,
    slots: slots.map((s) => {
      const isMine = mine !== null && s.family_key === mine.key;
      return {
        id: s.id,
        startsAt: s.starts_at.toISOString(),
        endsAt: s.ends_at.toISOString(),
        booked: s.family_key !== null,
        mine: isMine,
        familyName: manage && s.family_key ? (names.get(s.family_key) ?? null) : null,
        bookedBy: manage && s.family_key && s.last_name ? fullName({ last_name: s.last_name, first_name: s.first_name!, middle_name: s.middle_name }) : null,
        meetingId: manage || isMine ? s.meeting_id : null,
        done: done(s),
      };
    }),
    queue,
  };
}

function checkOpen(c: ConsultationRow, now: Date): void {
  if (now.getTime() >= cutoffAt(c).getTime()) throw new AppError('consultation_closed', 409);
}

/** Takes a free slot for the family, or 409: the conditional update is the lock on the slot. */
async function take(trx: Tx, c: ConsultationRow, slotId: string, family: string, personId: string, now: Date) {
  try {
    const row = await trx
      .updateTable('consultation_slots')
      .set({ family_key: family, booked_by_person_id: personId, booked_at: now })
      .where('id', '=', slotId)
      .where('consultation_id', '=', c.id)
      .where('family_key', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (row) return row;
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('consultation_family_booked', 409);
    throw err;
  }
  const exists = await trx.selectFrom('consultation_slots').select('id').where('id', '=', slotId).where('consultation_id', '=', c.id).executeTakeFirst();
  throw exists ? new AppError('consultation_slot_taken', 409) : new AppError('consultation_not_found', 404);
}

/** The group of the teacher and the family's guardians, where their private calls are held (made once). */
async function privateChat(
  ctx: AppContext,
  c: ConsultationRow,
  family: { name: string; guardianIds: string[] },
): Promise<{ chatId: string; teacherUserId: string }> {
  const teacher = await ctx.db.selectFrom('persons').select(['user_id']).where('id', '=', c.teacher_person_id).executeTakeFirstOrThrow();
  if (!teacher.user_id) throw new AppError('consultation_not_allowed', 403);
  const title = `Консультация: ${family.name}`;
  const existing = await ctx.db
    .selectFrom('chats')
    .select('id')
    .where('kind', '=', 'group')
    .where('school_id', '=', c.school_id)
    .where('created_by', '=', c.teacher_person_id)
    .where('title', '=', title)
    .where('archived_at', 'is', null)
    .executeTakeFirst();
  if (existing) return { chatId: existing.id, teacherUserId: teacher.user_id };
  const school = await accessSchool(ctx.db, teacher.user_id, c.school_id);
  const linked = await ctx.db.selectFrom('persons').select('id').where('id', 'in', family.guardianIds).where('user_id', 'is not', null).execute();
  const { chatId } = await createGroup(
    ctx,
    school,
    title,
    linked.map((p) => p.id),
  );
  return { chatId, teacherUserId: teacher.user_id };
}

/** A video slot's private meeting: scheduled by the teacher in the group, with the waiting room on. */
async function openCall(
  ctx: AppContext,
  c: ConsultationRow,
  slot: { id: string; starts_at: Date },
  family: { name: string; guardianIds: string[] },
): Promise<void> {
  const { chatId, teacherUserId } = await privateChat(ctx, c, family);
  const access = await accessChat(ctx.db, teacherUserId, chatId);
  const meeting = await scheduleMeeting(ctx, access, teacherUserId, {
    title: `${c.title}: ${family.name}`,
    agenda: [],
    startsAt: slot.starts_at.toISOString(),
    durationMinutes: Math.max(5, c.slot_minutes),
    kind: 'meeting',
  });
  await ctx.db.updateTable('meetings').set({ lobby: true }).where('id', '=', meeting.id).execute();
  await ctx.db.updateTable('consultation_slots').set({ meeting_id: meeting.id }).where('id', '=', slot.id).execute();
}

export async function book(ctx: AppContext, c: ConsultationRow, access: ChatAccess, slotId: string, now = new Date()): Promise<void> {
  const family = await familyOf(ctx.db, access);
  if (!family) throw new AppError('consultation_not_family', 403);
  checkOpen(c, now);
  const slot = await withOutbox(ctx, async (trx, outbox) => {
    const held = await trx
      .selectFrom('consultation_slots')
      .select('id')
      .where('consultation_id', '=', c.id)
      .where('family_key', '=', family.key)
      .executeTakeFirst();
    if (held) throw new AppError('consultation_family_booked', 409);
    const s = await take(trx, c, slotId, family.key, access.person.id, now);
    changed(outbox, c);
    return s;
  });
  if (c.mode === 'video') await openCallOrLog(ctx, c, slot, family);
}

/** The booking is stored: a failure to make its call is logged, not turned into a refusal of the booking. */
async function openCallOrLog(
  ctx: AppContext,
  c: ConsultationRow,
  slot: { id: string; starts_at: Date },
  family: { name: string; guardianIds: string[] },
): Promise<void> {
  try {
    await openCall(ctx, c, slot, family);
  } catch (err) {
    ctx.log.warn({ err: (err as Error).message, consultationId: c.id, slotId: slot.id }, 'consultation call could not be made');
  }
}

/** Moves the family's booking to another free slot in one transaction: the old one is freed only if the new one is taken. */
export async function swap(ctx: AppContext, c: ConsultationRow, access: ChatAccess, slotId: string, now = new Date()): Promise<void> {
  const family = await familyOf(ctx.db, access);
  if (!family) throw new AppError('consultation_not_family', 403);
  checkOpen(c, now);
  const moved = await withOutbox(ctx, async (trx, outbox) => {
    const old = await trx
      .selectFrom('consultation_slots')
      .selectAll()
      .where('consultation_id', '=', c.id)
      .where('family_key', '=', family.key)
      .forUpdate()
      .executeTakeFirst();
    if (!old) throw new AppError('consultation_not_booked', 409);
    if (old.id === slotId) return null;
    await trx
      .updateTable('consultation_slots')
      .set({ family_key: null, booked_by_person_id: null, booked_at: null, meeting_id: null })
      .where('id', '=', old.id)
      .execute();
    const s = await take(trx, c, slotId, family.key, access.person.id, now);
    if (old.meeting_id) {
      await trx.updateTable('consultation_slots').set({ meeting_id: old.meeting_id }).where('id', '=', s.id).execute();
      await trx.updateTable('meetings').set({ starts_at: s.starts_at, reminded_at: null }).where('id', '=', old.meeting_id).execute();
    }
    changed(outbox, c);
    return s;
  });
  if (moved && c.mode === 'video') {
    const has = await ctx.db.selectFrom('consultation_slots').select('meeting_id').where('id', '=', moved.id).executeTakeFirstOrThrow();
    if (!has.meeting_id) await openCallOrLog(ctx, c, moved, family);
  }
}

/** Frees the family's slot (until the cut-off); its private meeting is ended. */
export async function cancel(ctx: AppContext, c: ConsultationRow, access: ChatAccess, now = new Date()): Promise<void> {
  const family = await familyOf(ctx.db, access);
  if (!family) throw new AppError('consultation_not_family', 403);
  checkOpen(c, now);
  await withOutbox(ctx, async (trx, outbox) => {
    const old = await trx
      .selectFrom('consultation_slots')
      .select(['id', 'meeting_id'])
      .where('consultation_id', '=', c.id)
      .where('family_key', '=', family.key)
      .forUpdate()
      .executeTakeFirst();
    if (!old) throw new AppError('consultation_not_booked', 409);
    await trx
      .updateTable('consultation_slots')
      .set({ family_key: null, booked_by_person_id: null, booked_at: null, meeting_id: null })
      .where('id', '=', old.id)
      .execute();
    // The private call has not started (the cut-off is before the first slot): it is closed.
    if (old.meeting_id) await trx.updateTable('meetings').set({ ended_at: now }).where('id', '=', old.meeting_id).where('ended_at', 'is', null).execute();
    changed(outbox, c);
  });
}

/**
 * The queue seen from a consultation's private meeting (its waiting room): how many booked slots
 * before this one are not done yet. Members of the meeting's chat only (`accessMeeting`).
 */
export async function queueOfMeeting(
  ctx: AppContext,
  userId: string,
  meetingId: string,
): Promise<{ consultationId: string; startsAt: string; position: number }> {
  const { meeting } = await accessMeeting(ctx, userId, meetingId);
  const slot = await ctx.db.selectFrom('consultation_slots').select(['consultation_id', 'starts_at']).where('meeting_id', '=', meeting.id).executeTakeFirst();
  if (!slot) throw new AppError('consultation_not_found', 404);
  const before = await ctx.db
    .selectFrom('consultation_slots')
    .leftJoin('meetings', 'meetings.id', 'consultation_slots.meeting_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('consultation_slots.consultation_id', '=', slot.consultation_id)
    .where('consultation_slots.family_key', 'is not', null)
    .where('consultation_slots.starts_at', '<', slot.starts_at)
    .where('consultation_slots.done_at', 'is', null)
    .where('meetings.ended_at', 'is', null)
    .executeTakeFirstOrThrow();
  return { consultationId: slot.consultation_id, startsAt: slot.starts_at.toISOString(), position: Number(before.n) };
}

/** The teacher marks a slot done: the queue moves on. (Ending its private call does the same.) */
export async function markDone(ctx: AppContext, c: ConsultationRow, access: ChatAccess, slotId: string, now = new Date()): Promise<void> {
  if (!canManage(c, access)) throw new AppError('consultation_not_allowed', 403);
  await withOutbox(ctx, async (trx, outbox) => {
    const row = await trx
      .updateTable('consultation_slots')
      .set({ done_at: now })
      .where('id', '=', slotId)
      .where('consultation_id', '=', c.id)
      .returning('id')
      .executeTakeFirst();
    if (!row) throw new AppError('consultation_not_found', 404);
    changed(outbox, c);
  });
}
