import { sql } from 'kysely';
import type { InviteResult } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { accessSchool, classTeacherOf } from '../directory/access.ts';
import { AppError } from '../http/errors.ts';
import type { AuthContext } from '../identity/service.ts';
import { t } from '../i18n/messages.ts';
import { isStudent, isTooYoung } from '../directory/rules.ts';
import { createInvitation } from '../membership/service.ts';
import { accessChat } from '../messaging/access.ts';
import { notConnected } from '../messaging/audience.ts';
import { getPolicy } from './service.ts';

/** An invitation sent by SMS lasts a week; the same person is not texted again within a day. */
const INVITE_TTL_HOURS = 7 * 24;
const RESEND_AFTER_MS = 86_400_000;

/**
 * "Пригласить всех": the roster people a chat is for who are not on Parta get an invitation
 * (membership/service.ts, the same codes and rules as one by one) by SMS through the configured
 * provider. The class teacher invites their class's people, an admin anyone. At most the
 * school's number of invitation SMS per day (its time zone); reserved in one transaction, so two
 * teachers at once cannot both take the last ones. A person texted in the last day is skipped.
 */
export async function inviteNotConnected(ctx: AppContext, auth: AuthContext, chatId: string): Promise<InviteResult> {
  const access = await accessChat(ctx.db, auth.user.id, chatId);
  const school = await accessSchool(ctx.db, auth.user.id, access.schoolId);
  const chat = access.chat;
  if (!school.isAdmin) {
    const mine = chat.class_id ? await classTeacherOf(ctx.db, school.person.id) : [];
    if (!chat.class_id || !mine.includes(chat.class_id)) throw new AppError('invite_not_allowed', 403);
  }
  if (chat.kind === 'group' || chat.kind === 'direct') throw new AppError('invite_not_allowed', 403);
  const people = await notConnected(ctx.db, chatId);
  // Too young for an account of their own (the rule of invitations): their guardians are invited instead.
  const withPhone = people.filter((p) => p.phone && !(isStudent(p.roles) && isTooYoung(p.birth_date)));
  const policy = await getPolicy(ctx.db, access.schoolId);
  const reserved = await ctx.db.transaction().execute(async (trx) => {
    await sql`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtext(${`invite-sms:${access.schoolId}`}))) l`.execute(trx);
    const used = await sql<{ n: number | string }>`
      SELECT count(*) AS n FROM invite_sms i JOIN schools s ON s.id = i.school_id
      WHERE i.school_id = ${access.schoolId}::uuid AND (i.created_at AT TIME ZONE s.timezone)::date = (now() AT TIME ZONE s.timezone)::date`.execute(trx);
    const usedToday = Number(used.rows[0]!.n);
    const recent = withPhone.length
      ? await trx
          .selectFrom('invite_sms')
          .select('person_id')
          .where(
            'person_id',
            'in',
            withPhone.map((p) => p.id),
          )
          .where('created_at', '>', new Date(Date.now() - RESEND_AFTER_MS))
          .execute()
      : [];
    const skip = new Set(recent.map((r) => r.person_id));
    const due = withPhone.filter((p) => !skip.has(p.id));
    const left = Math.max(0, policy.inviteSmsPerDay - usedToday);
    if (due.length > 0 && left === 0) throw new AppError('invite_sms_limit_reached', 429, { perDay: policy.inviteSmsPerDay });
    const take = due.slice(0, left);
    const rows = take.length
      ? await trx
          .insertInto('invite_sms')
          .values(take.map((p) => ({ school_id: access.schoolId, person_id: p.id, chat_id: chatId, sent_by: school.person.id })))
          .returning(['id', 'person_id'])
          .execute()
      : [];
    const slot = new Map(rows.map((r) => [r.person_id, r.id]));
    return {
      take: take.map((p) => ({ ...p, slot: slot.get(p.id)! })),
      alreadyInvited: skip.size,
      overLimit: due.length - take.length,
      usedToday: usedToday + take.length,
    };
  });
  // The invitations (codes) now; the SMS after the answer, one at a time: the gateway's speed is not the teacher's wait.
  const texts: { phone: string; text: string }[] = [];
  const s = await ctx.db.selectFrom('schools').select(['name', 'short_name']).where('id', '=', access.schoolId).executeTakeFirstOrThrow();
  const schoolName = s.short_name ?? s.name;
  for (const p of reserved.take) {
    try {
      const inv = await createInvitation(ctx, school, auth.user.id, p.id, INVITE_TTL_HOURS);
      texts.push({ phone: p.phone!, text: t('ru', 'invite_sms', { school: schoolName, link: inv.link }) });
    } catch (err) {
      // Linked meanwhile (signed in a moment ago): nothing to invite; the reserved SMS is given back.
      await ctx.db.deleteFrom('invite_sms').where('id', '=', p.slot).execute();
      ctx.log.info({ err, personId: p.id }, 'no invitation made');
    }
  }
  void (async () => {
    for (const m of texts) await ctx.sms.send(m.phone, m.text).catch((err: unknown) => ctx.log.warn({ err }, 'an invitation SMS failed'));
  })();
  return {
    invited: texts.length,
    notConnected: people.length,
    withoutPhone: people.length - withPhone.length,
    alreadyInvited: reserved.alreadyInvited,
    overLimit: reserved.overLimit,
    usedToday: reserved.usedToday,
    perDay: policy.inviteSmsPerDay,
  };
}
