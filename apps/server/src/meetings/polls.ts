import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { Poll } from '@parta/protocol';
import type { z } from 'zod';
import type { CreatePollBody } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import type { Queryable } from '../db/schema.ts';
import { fullName } from '../directory/rules.ts';
import { AppError } from '../http/errors.ts';
import { accessChat, type ChatAccess } from '../messaging/access.ts';
import { withOutbox } from '../stream/transaction.ts';
import { postCard } from './cards.ts';
import type { PollsTable } from './tables.ts';

type PollRow = Selectable<PollsTable>;

/** Polls in any chat: anyone who may post creates one; every member votes once, or one vote per family. */
export async function createPoll(
  ctx: AppContext,
  access: ChatAccess,
  userId: string,
  body: z.infer<typeof CreatePollBody>,
  meetingId: string | null = null,
): Promise<PollRow> {
  if (!access.canPost) throw new AppError('poll_not_allowed', 403);
  if (body.closesAt && new Date(body.closesAt).getTime() <= Date.now())
    throw new AppError('validation_failed', 400, { issues: [{ path: 'body.closesAt', message: 'must be in the future' }] });
  return withOutbox(ctx, async (trx, outbox) => {
    const row = await trx
      .insertInto('polls')
      .values({
        school_id: access.schoolId,
        chat_id: access.chat.id,
        meeting_id: meetingId,
        question: body.question,
        options: JSON.stringify(body.options),
        multiple: body.multiple,
        anonymous: body.anonymous,
        per_family: body.perFamily,
        closes_at: body.closesAt ? new Date(body.closesAt) : null,
        created_by_person_id: access.person.id,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const messageId = await postCard(
      trx,
      outbox,
      { ...access, userId },
      { kind: 'poll', id: row.id, title: row.question, variant: 'poll', clientId: `poll:${row.id}` },
    );
    await trx.updateTable('polls').set({ message_id: messageId }).where('id', '=', row.id).execute();
    return { ...row, message_id: messageId };
  });
}

export async function accessPoll(ctx: AppContext, userId: string, pollId: string): Promise<{ poll: PollRow; access: ChatAccess }> {
  if (!/^[0-9a-f-]{36}$/i.test(pollId)) throw new AppError('poll_not_found', 404);
  const poll = await ctx.db.selectFrom('polls').selectAll().where('id', '=', pollId).executeTakeFirst();
  if (!poll) throw new AppError('poll_not_found', 404);
  const access = await accessChat(ctx.db, userId, poll.chat_id).catch((err: unknown) => {
    if (err instanceof AppError && err.status === 404) throw new AppError('poll_not_found', 404);
    throw err;
  });
  return { poll, access };
}

const isClosed = (p: PollRow, now: Date) => p.closed_at !== null || (p.closes_at !== null && p.closes_at.getTime() <= now.getTime());

/**
 * The family a vote counts for with "one vote per family": the children a guardian (or a student
 * themself) stands for, joined with every child who shares a guardian with one of them, and in a
 * class's chat only the children of that class. Two parents of one child are one family even when
 * each has other children of their own; the parents of two classmates who are not siblings are two.
 * Its key is the lowest student id of that set; people without children in it vote for themselves.
 */
export async function familyKey(db: Queryable, personId: string, roles: readonly string[], classId: string | null): Promise<string> {
  if (!roles.includes('guardian') && !roles.includes('student')) return `person:${personId}`;
  const inClass = (student: RawBuilder<unknown>) =>
    classId ? sql`AND EXISTS (SELECT 1 FROM enrolments e WHERE e.student_id = ${student} AND e.class_id = ${classId} AND e.left_at IS NULL)` : sql``;
  const res = await sql<{ student_id: string }>`
    WITH RECURSIVE family(student_id) AS (
      SELECT g.student_id FROM guardianships g WHERE g.guardian_id = ${personId} ${inClass(sql.ref('g.student_id'))}
      UNION
      SELECT p.id FROM persons p WHERE p.id = ${personId} AND 'student' = ANY(p.roles) ${inClass(sql.ref('p.id'))}
      UNION
      SELECT sibling.student_id FROM family f
        JOIN guardianships mine ON mine.student_id = f.student_id
        JOIN guardianships sibling ON sibling.guardian_id = mine.guardian_id
        WHERE true ${inClass(sql.ref('sibling.student_id'))}
    )
    SELECT student_id::text FROM family ORDER BY student_id LIMIT 1`.execute(db);
  const first = res.rows[0];
  return first ? `student:${first.student_id}` : `person:${personId}`;
}

export async function vote(ctx: AppContext, poll: PollRow, access: ChatAccess, options: number[], now = new Date()): Promise<void> {
  if (isClosed(poll, now)) throw new AppError('poll_closed', 409);
  const count = poll.options.length;
  const chosen = [...new Set(options)].sort((a, b) => a - b);
  if (chosen.length !== options.length || chosen.some((o) => o < 0 || o >= count) || (!poll.multiple && chosen.length !== 1))
    throw new AppError('poll_choice_invalid', 400);
  const key = await familyKey(ctx.db, access.person.id, access.roles, access.chat.class_id);
  await withOutbox(ctx, async (trx, outbox) => {
    const mine = await trx
      .insertInto('poll_votes')
      .values({ poll_id: poll.id, person_id: access.person.id, family_key: key, options: chosen })
      .onConflict((oc) => oc.doNothing())
      .returning('person_id')
      .executeTakeFirst();
    if (!mine) throw new AppError('poll_already_voted', 409);
    if (poll.per_family) {
      const family = await trx
        .insertInto('poll_family_votes')
        .values({ poll_id: poll.id, family_key: key, person_id: access.person.id })
        .onConflict((oc) => oc.doNothing())
        .returning('person_id')
        .executeTakeFirst();
      if (!family) throw new AppError('poll_family_voted', 409);
    }
    // Everyone who sees the poll refreshes its results.
    outbox.chat(poll.chat_id, { type: 'poll.updated', chatId: poll.chat_id, pollId: poll.id });
  });
}

export async function closePoll(ctx: AppContext, poll: PollRow, access: ChatAccess, now = new Date()): Promise<void> {
  if (poll.created_by_person_id !== access.person.id && !access.isModerator) throw new AppError('forbidden', 403);
  await withOutbox(ctx, async (trx, outbox) => {
    const closed = await trx
      .updateTable('polls')
      .set({ closed_at: now })
      .where('id', '=', poll.id)
      .where('closed_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (closed) outbox.chat(poll.chat_id, { type: 'poll.updated', chatId: poll.chat_id, pollId: poll.id });
  });
}

/** Live results: counts always; who voted for what only when the poll is named. */
export async function presentPoll(db: Queryable, poll: PollRow, personId: string, now = new Date()): Promise<Poll> {
  const votes = await db
    .selectFrom('poll_votes')
    .innerJoin('persons', 'persons.id', 'poll_votes.person_id')
    .select(['poll_votes.person_id', 'poll_votes.options', 'persons.last_name', 'persons.first_name', 'persons.middle_name'])
    .where('poll_id', '=', poll.id)
    .orderBy('poll_votes.created_at')
    .execute();
  return {
    id: poll.id,
    chatId: poll.chat_id,
    question: poll.question,
    options: poll.options.map((text, i) => {
      const voters = votes.filter((v) => v.options.includes(i));
      return { text, votes: voters.length, ...(poll.anonymous ? {} : { voters: voters.map(fullName) }) };
    }),
    multiple: poll.multiple,
    anonymous: poll.anonymous,
    perFamily: poll.per_family,
    closesAt: poll.closes_at?.toISOString() ?? null,
    closed: isClosed(poll, now),
    totalVoters: votes.length,
    myVote: votes.find((v) => v.person_id === personId)?.options ?? null,
    createdAt: poll.created_at.toISOString(),
  };
}

export async function chatPolls(db: Queryable, chatId: string): Promise<PollRow[]> {
  return db.selectFrom('polls').selectAll().where('chat_id', '=', chatId).orderBy('created_at', 'desc').limit(50).execute();
}
