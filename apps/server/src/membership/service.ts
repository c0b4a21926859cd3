import crypto from 'node:crypto';
import type { Selectable } from 'kysely';
import type { z } from 'zod';
import type { CreateJoinRequestBody } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import type { UserRow } from '../identity/store.ts';
import { AppError, conflict } from '../http/errors.ts';
import { classTeacherOf, type SchoolAccess } from '../directory/access.ts';
import { getPerson } from '../directory/store.ts';
import { fullName, isStudent, isTooYoung } from '../directory/rules.ts';
import { checkAndLink, checkLinkable } from './linking.ts';
import type { InvitationsTable, JoinRequestsTable } from './tables.ts';
import { withOutbox } from '../stream/transaction.ts';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // no 0/O, 1/I: read aloud and typed by hand

/** A new invitation code like "K7QD-M3XA-9F2C": 12 symbols of 32, about 60 bits. */
export function newInvitationCode(): string {
  const bytes = crypto.randomBytes(12);
  const chars = [...bytes].map((b) => ALPHABET[b % 32]).join('');
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
}

export function canonicalCode(code: string): string {
  return code.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

function hashInvitationCode(secret: string, code: string): string {
  return crypto
    .createHmac('sha256', secret)
    .update(`invite:${canonicalCode(code)}`)
    .digest('hex');
}

export function presentInvitation(i: Selectable<InvitationsTable>, personName: string) {
  return {
    id: i.id,
    schoolId: i.school_id,
    personId: i.person_id,
    personName,
    expiresAt: i.expires_at.toISOString(),
    createdAt: i.created_at.toISOString(),
    usedAt: i.used_at?.toISOString() ?? null,
    revokedAt: i.revoked_at?.toISOString() ?? null,
  };
}

/**
 * Who may invite whom: an admin anyone on the roster; a class teacher the students of their
 * classes and those students' guardians.
 */
async function checkMayInvite(ctx: AppContext, access: SchoolAccess, personId: string): Promise<void> {
  if (access.isAdmin) return;
  const classes = await classTeacherOf(ctx.db, access.person.id);
  if (classes.length === 0) throw new AppError('forbidden', 403);
  const inClass = await ctx.db
    .selectFrom('enrolments')
    .leftJoin('guardianships', 'guardianships.student_id', 'enrolments.student_id')
    .select('enrolments.id')
    .where('enrolments.class_id', 'in', classes)
    .where('enrolments.left_at', 'is', null)
    .where((eb) => eb.or([eb('enrolments.student_id', '=', personId), eb('guardianships.guardian_id', '=', personId)]))
    .executeTakeFirst();
  if (!inClass) throw new AppError('forbidden', 403);
}

export async function createInvitation(ctx: AppContext, access: SchoolAccess, createdBy: string, personId: string, ttlHours: number) {
  const person = await getPerson(ctx.db, access.schoolId, personId);
  await checkMayInvite(ctx, access, personId);
  if (person.user_id) throw conflict('person_already_linked');
  if (isStudent(person.roles) && isTooYoung(person.birth_date)) throw new AppError('student_too_young', 403);
  const code = newInvitationCode();
  const row = await ctx.db
    .insertInto('invitations')
    .values({
      school_id: access.schoolId,
      person_id: person.id,
      code_hash: hashInvitationCode(ctx.secret, code),
      created_by: createdBy,
      expires_at: new Date(Date.now() + ttlHours * 3600_000),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return {
    ...presentInvitation(row, fullName(person)),
    code,
    link: `${ctx.config.publicUrl}/join?code=${encodeURIComponent(code)}`,
  };
}

/** Redeems a code: single use, before it expires, and only where the linking rules allow. */
export async function redeemInvitation(ctx: AppContext, user: UserRow, code: string) {
  const hash = hashInvitationCode(ctx.secret, code);
  return withOutbox(ctx, async (trx, outbox) => {
    const inv = await trx.selectFrom('invitations').selectAll().where('code_hash', '=', hash).forUpdate().executeTakeFirst();
    if (!inv) throw new AppError('invitation_invalid', 404);
    if (inv.revoked_at) throw new AppError('invitation_revoked', 410);
    if (inv.used_at) throw new AppError('invitation_used', 409);
    if (inv.expires_at.getTime() <= Date.now()) throw new AppError('invitation_expired', 410);
    const person = await trx.selectFrom('persons').selectAll().where('id', '=', inv.person_id).executeTakeFirst();
    if (!person || person.archived_at) throw new AppError('invitation_invalid', 404);
    await checkAndLink(ctx, trx, outbox, person, user);
    await trx.updateTable('invitations').set({ used_at: new Date(), used_by: user.id }).where('id', '=', inv.id).execute();
    return { schoolId: inv.school_id, personId: person.id };
  });
}

export function presentJoinRequest(j: Selectable<JoinRequestsTable>, phone: string) {
  return {
    id: j.id,
    schoolId: j.school_id,
    userId: j.user_id,
    phone,
    lastName: j.last_name,
    firstName: j.first_name,
    middleName: j.middle_name,
    role: j.role as 'student' | 'guardian' | 'teacher' | 'admin',
    comment: j.comment,
    status: j.status,
    personId: j.person_id,
    createdAt: j.created_at.toISOString(),
    decidedAt: j.decided_at?.toISOString() ?? null,
  };
}

export async function createJoinRequest(ctx: AppContext, user: UserRow, body: z.infer<typeof CreateJoinRequestBody>) {
  const school = await ctx.db.selectFrom('schools').select('id').where('id', '=', body.schoolId).executeTakeFirst();
  if (!school) throw new AppError('school_not_found', 404);
  const already = await ctx.db
    .selectFrom('persons')
    .select('id')
    .where('school_id', '=', body.schoolId)
    .where('user_id', '=', user.id)
    .where('archived_at', 'is', null)
    .executeTakeFirst();
  if (already) throw conflict('account_already_in_school');
  try {
    const row = await ctx.db
      .insertInto('join_requests')
      .values({
        school_id: body.schoolId,
        user_id: user.id,
        last_name: body.lastName,
        first_name: body.firstName,
        middle_name: body.middleName ?? null,
        role: body.role,
        comment: body.comment ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return presentJoinRequest(row, user.phone);
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw conflict('join_request_pending');
    throw err;
  }
}

/** Approving links the applicant's account to a roster person the admin chooses, under the same rules. */
export async function decideJoinRequest(
  ctx: AppContext,
  access: SchoolAccess,
  decidedBy: string,
  requestId: string,
  decision: { approve: true; personId: string } | { approve: false },
) {
  return withOutbox(ctx, async (trx, outbox) => {
    const jr = await trx
      .selectFrom('join_requests')
      .selectAll()
      .where('id', '=', requestId)
      .where('school_id', '=', access.schoolId)
      .forUpdate()
      .executeTakeFirst();
    if (!jr) throw new AppError('not_found', 404);
    if (jr.status !== 'pending') throw conflict('join_request_decided');
    const user = await trx.selectFrom('users').selectAll().where('id', '=', jr.user_id).executeTakeFirstOrThrow();
    if (decision.approve) {
      const person = await getPerson(trx, access.schoolId, decision.personId);
      await checkLinkable(trx, person, user);
      await checkAndLink(ctx, trx, outbox, person, user);
    }
    const row = await trx
      .updateTable('join_requests')
      .set({
        status: decision.approve ? 'approved' : 'rejected',
        person_id: decision.approve ? decision.personId : null,
        decided_by: decidedBy,
        decided_at: new Date(),
      })
      .where('id', '=', jr.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return presentJoinRequest(row, user.phone);
  });
}
