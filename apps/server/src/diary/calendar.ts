import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import ical from 'ical-generator';
import { z } from 'zod';
import { CalendarFeed, ErrorBody, Id } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import type { Queryable } from '../db/schema.ts';
import { me } from '../http/auth.ts';
import { AppError } from '../http/errors.ts';
import { t } from '../i18n/messages.ts';
import { accessDiary } from './access.ts';
import { addDays, todayIn } from './dates.ts';
import { presentHomework, presentLessons } from './store.ts';

/**
 * A private, revocable iCalendar feed per person: their lessons and homework (a guardian's: their
 * children's; a teacher's: the lessons they teach), four weeks ahead and one back. The URL carries
 * a random token; only its HMAC is stored, and turning the feed on again revokes the old URL.
 */

const hashToken = (secret: string, token: string) => crypto.createHmac('sha256', secret).update(`calendar:${token}`).digest('hex');

/** The UTC instant of a wall-clock time in a zone (`2026-12-07`, `08:30`, `Europe/Moscow`). */
export function zonedInstant(date: string, hhmm: string, timezone: string): Date {
  const guess = new Date(`${date}T${hhmm}:00Z`);
  const name =
    new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: 'longOffset' }).formatToParts(guess).find((p) => p.type === 'timeZoneName')?.value ??
    'GMT';
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  const offset = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0)) : 0;
  return new Date(guess.getTime() - offset * 60_000);
}

export async function buildFeed(db: Queryable, personId: string, schoolId: string): Promise<string> {
  const [person, school] = await Promise.all([
    db.selectFrom('persons').select(['id', 'roles', 'last_name', 'first_name']).where('id', '=', personId).executeTakeFirstOrThrow(),
    db.selectFrom('schools').select(['name', 'timezone']).where('id', '=', schoolId).executeTakeFirstOrThrow(),
  ]);
  const today = todayIn(school.timezone);
  const from = addDays(today, -7);
  const to = addDays(today, 28);
  const children = await db.selectFrom('guardianships').select('student_id').where('guardian_id', '=', personId).execute();
  const students = [...(person.roles.includes('student') ? [personId] : []), ...children.map((c) => c.student_id)];
  const classes = students.length
    ? await db.selectFrom('enrolments').select(['class_id', 'student_id']).where('student_id', 'in', students).where('left_at', 'is', null).execute()
    : [];
  const lessonRows = await db
    .selectFrom('lessons')
    .selectAll()
    .where('on_date', '>=', from)
    .where('on_date', '<=', to)
    .where((eb) => eb.or([eb('class_id', 'in', [...classes.map((c) => c.class_id), '00000000-0000-0000-0000-000000000000']), eb('teacher_id', '=', personId)]))
    .orderBy('on_date')
    .orderBy('lesson_no')
    .execute();
  const lessons = await presentLessons(db, schoolId, lessonRows);
  const hwRows = lessonRows.length
    ? await db
        .selectFrom('homework')
        .selectAll()
        .where(
          'due_lesson_id',
          'in',
          lessonRows.map((l) => l.id),
        )
        .execute()
    : [];
  const homework = await presentHomework(db, schoolId, hwRows, null);
  const cal = ical({
    name: t('ru', 'diary_calendar_name', { name: `${person.last_name} ${person.first_name}` }),
    prodId: { company: 'Parta', product: 'diary' },
    timezone: school.timezone,
  });
  for (const l of lessons) {
    if (!l.startsAt || !l.endsAt) continue;
    const summary = l.cancelled ? t('ru', 'diary_cancelled', { subject: l.subjectName }) : l.subjectName;
    cal.createEvent({
      id: `lesson-${l.id}@parta`,
      start: zonedInstant(l.date, l.startsAt, school.timezone),
      end: zonedInstant(l.date, l.endsAt, school.timezone),
      summary,
      location: l.room ? t('ru', 'diary_room', { room: l.room }) : null,
      description: [l.teacher?.name, l.topic].filter(Boolean).join('\n') || null,
    });
  }
  for (const h of homework) {
    cal.createEvent({
      id: `homework-${h.id}@parta`,
      start: new Date(`${h.dueOn}T00:00:00Z`),
      allDay: true,
      summary: t('ru', 'diary_homework_due', { subject: h.subjectName }),
      description: h.text,
    });
  }
  return cal.toString();
}

export function calendarRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody };
  const params = z.object({ schoolId: Id });
  r.post(
    '/api/v1/schools/:schoolId/diary/calendar',
    {
      schema: {
        tags: ['diary'],
        summary: 'Turn on my private calendar feed (a new URL; the old one stops working)',
        params,
        response: { 201: CalendarFeed, ...errors },
      },
    },
    async (request, reply) => {
      const a = await accessDiary(ctx.db, me(request).user.id, request.params.schoolId);
      const token = crypto.randomBytes(24).toString('base64url');
      await ctx.db.transaction().execute(async (trx) => {
        await trx.updateTable('calendar_feeds').set({ revoked_at: new Date() }).where('person_id', '=', a.person.id).where('revoked_at', 'is', null).execute();
        await trx
          .insertInto('calendar_feeds')
          .values({ school_id: a.schoolId, person_id: a.person.id, token_hash: hashToken(ctx.secret, token) })
          .execute();
      });
      return reply.status(201).send({ url: `${ctx.config.publicUrl.replace(/\/$/, '')}/api/v1/calendar/${token}.ics` });
    },
  );
  r.delete(
    '/api/v1/schools/:schoolId/diary/calendar',
    { schema: { tags: ['diary'], summary: 'Revoke my calendar feed', params, response: { 204: z.null(), ...errors } } },
    async (request, reply) => {
      const a = await accessDiary(ctx.db, me(request).user.id, request.params.schoolId);
      await ctx.db.updateTable('calendar_feeds').set({ revoked_at: new Date() }).where('person_id', '=', a.person.id).where('revoked_at', 'is', null).execute();
      return reply.status(204).send(null);
    },
  );
}

/** The feed itself: no session (calendar apps have none), the token is the key. */
export function calendarFeedRoute(app: FastifyInstance, ctx: AppContext): void {
  app.get('/api/v1/calendar/:file', { schema: { hide: true }, config: { rateLimit: { max: 60, timeWindow: '1 minute' } } }, async (request, reply) => {
    const file = (request.params as { file: string }).file;
    const token = /^([A-Za-z0-9_-]{20,64})\.ics$/.exec(file)?.[1];
    const feed = token
      ? await ctx.db
          .selectFrom('calendar_feeds as c')
          .innerJoin('persons as p', 'p.id', 'c.person_id')
          .select(['c.person_id', 'c.school_id'])
          .where('c.token_hash', '=', hashToken(ctx.secret, token))
          .where('c.revoked_at', 'is', null)
          .where('p.archived_at', 'is', null)
          .executeTakeFirst()
      : undefined;
    if (!feed) throw new AppError('calendar_not_found', 404);
    return reply
      .header('content-type', 'text/calendar; charset=utf-8')
      .header('cache-control', 'private, max-age=300')
      .send(await buildFeed(ctx.db, feed.person_id, feed.school_id));
  });
}
