import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  BellsBody,
  DiarySettings,
  ErrorBody,
  GradeHistory,
  GroupsBody,
  Id,
  IsoDate,
  Lesson,
  PeriodsBody,
  Subject,
  SubjectBody,
  TeachingBody,
  TimetableBody,
  TimetableChange,
  TimetableChangeBody,
  UpdateDiarySettingsBody,
  WorkTypesBody,
} from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { me } from '../http/auth.ts';
import { requireAdmin } from '../directory/access.ts';
import { accessDiary, checkClassVisible } from './access.ts';
import * as setup from './setup.ts';
import { loadSettings, presentLessons } from './store.ts';
import { gradeHistory } from './journal.ts';
import { addDays, todayIn, weekStart } from './dates.ts';

const tags = ['diary'];
const SchoolParams = z.object({ schoolId: Id });
const ClassParams = SchoolParams.extend({ classId: Id });
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const noContent = { 204: z.null(), ...errors };
const base = '/api/v1/schools/:schoolId/diary';

/** The diary's set-up (school admin) and the timetable of a class (whoever belongs to it). */
export function diarySetupRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const admin = async (userId: string, schoolId: string) => {
    const a = await accessDiary(ctx.db, userId, schoolId);
    requireAdmin(a);
    return a;
  };

  r.get(
    `${base}/settings`,
    {
      schema: {
        tags,
        summary: 'Scale, forms of work, periods, holidays, subjects, bells and who teaches what',
        params: SchoolParams,
        response: { 200: DiarySettings, ...errors },
      },
    },
    async (request) => {
      await accessDiary(ctx.db, me(request).user.id, request.params.schoolId);
      return loadSettings(ctx.db, request.params.schoolId);
    },
  );

  r.patch(
    `${base}/settings`,
    { schema: { tags, summary: 'The grade scale and kind of periods (admin)', params: SchoolParams, body: UpdateDiarySettingsBody, response: noContent } },
    async (request, reply) => {
      await admin(me(request).user.id, request.params.schoolId);
      await setup.updateSettings(ctx, request.params.schoolId, request.body);
      return reply.status(204).send(null);
    },
  );

  r.put(
    `${base}/work-types`,
    { schema: { tags, summary: 'Forms of work and their weights (admin)', params: SchoolParams, body: WorkTypesBody, response: noContent } },
    async (request, reply) => {
      await admin(me(request).user.id, request.params.schoolId);
      await setup.setWorkTypes(ctx, request.params.schoolId, request.body);
      return reply.status(204).send(null);
    },
  );

  r.put(
    `${base}/periods`,
    { schema: { tags, summary: 'Reporting periods and holidays of a year (admin)', params: SchoolParams, body: PeriodsBody, response: noContent } },
    async (request, reply) => {
      await admin(me(request).user.id, request.params.schoolId);
      await setup.setPeriods(ctx, request.params.schoolId, request.body);
      return reply.status(204).send(null);
    },
  );

  r.put(
    `${base}/bells`,
    { schema: { tags, summary: 'The bell schedule, one or two shifts (admin)', params: SchoolParams, body: BellsBody, response: noContent } },
    async (request, reply) => {
      await admin(me(request).user.id, request.params.schoolId);
      await setup.setBells(ctx, request.params.schoolId, request.body);
      return reply.status(204).send(null);
    },
  );

  r.post(
    `${base}/subjects`,
    { schema: { tags, summary: 'Add a subject (admin)', params: SchoolParams, body: SubjectBody, response: { 201: Subject, ...errors } } },
    async (request, reply) => {
      await admin(me(request).user.id, request.params.schoolId);
      return reply.status(201).send(await setup.createSubject(ctx, request.params.schoolId, request.body.name));
    },
  );

  r.post(
    `${base}/classes/:classId/teaching`,
    { schema: { tags, summary: 'A teacher teaches a subject to the class (admin)', params: ClassParams, body: TeachingBody, response: noContent } },
    async (request, reply) => {
      await admin(me(request).user.id, request.params.schoolId);
      await setup.addTeaching(ctx, request.params.schoolId, request.params.classId, request.body.personId, request.body.subjectId);
      return reply.status(204).send(null);
    },
  );

  r.delete(
    `${base}/classes/:classId/teaching/:personId/:subjectId`,
    {
      schema: {
        tags,
        summary: 'A teacher no longer teaches the subject to the class (admin)',
        params: ClassParams.extend({ personId: Id, subjectId: Id }),
        response: noContent,
      },
    },
    async (request, reply) => {
      await admin(me(request).user.id, request.params.schoolId);
      await setup.removeTeaching(ctx, request.params.schoolId, request.params.classId, request.params.personId, request.params.subjectId);
      return reply.status(204).send(null);
    },
  );

  r.put(
    `${base}/classes/:classId/groups`,
    { schema: { tags, summary: 'Split the class into groups for a subject (admin)', params: ClassParams, body: GroupsBody, response: noContent } },
    async (request, reply) => {
      await admin(me(request).user.id, request.params.schoolId);
      await setup.setGroups(ctx, request.params.schoolId, request.params.classId, request.body);
      return reply.status(204).send(null);
    },
  );

  r.put(
    `${base}/classes/:classId/timetable`,
    { schema: { tags, summary: 'The weekly timetable of the class from a date (admin)', params: ClassParams, body: TimetableBody, response: noContent } },
    async (request, reply) => {
      const a = await admin(me(request).user.id, request.params.schoolId);
      await setup.setTimetable(ctx, request.params.schoolId, request.params.classId, a.person.id, request.body);
      return reply.status(204).send(null);
    },
  );

  r.post(
    `${base}/classes/:classId/changes`,
    {
      schema: {
        tags,
        summary: 'A change for one date: substitution, cancellation, moved lesson, room, added lesson (admin)',
        params: ClassParams,
        body: TimetableChangeBody,
        response: { 201: TimetableChange, ...errors },
      },
    },
    async (request, reply) => {
      const a = await admin(me(request).user.id, request.params.schoolId);
      const c = await setup.addChange(ctx, request.params.schoolId, request.params.classId, a.person.id, request.body);
      return reply.status(201).send({
        id: c.id,
        date: c.on_date,
        lessonNo: c.lesson_no,
        groupNo: c.group_no,
        kind: c.kind,
        subjectId: c.subject_id,
        teacherId: c.teacher_id,
        room: c.room,
        toDate: c.to_date,
        toLessonNo: c.to_lesson_no,
        note: c.note,
      });
    },
  );

  r.delete(
    `${base}/classes/:classId/changes/:changeId`,
    { schema: { tags, summary: 'Withdraw a change (admin)', params: ClassParams.extend({ changeId: Id }), response: noContent } },
    async (request, reply) => {
      await admin(me(request).user.id, request.params.schoolId);
      await setup.removeChange(ctx, request.params.schoolId, request.params.classId, request.params.changeId);
      return reply.status(204).send(null);
    },
  );

  r.get(
    `${base}/classes/:classId/timetable`,
    {
      schema: {
        tags,
        summary: "The class's lessons over a range (a week by default), changes applied",
        params: ClassParams,
        querystring: z.object({ from: IsoDate.optional(), to: IsoDate.optional() }),
        response: { 200: z.object({ lessons: z.array(Lesson) }), ...errors },
      },
    },
    async (request) => {
      const a = await accessDiary(ctx.db, me(request).user.id, request.params.schoolId);
      await checkClassVisible(ctx.db, a, request.params.classId);
      const from = request.query.from ?? weekStart(todayIn(a.timezone));
      const to = request.query.to && request.query.to <= addDays(from, 62) ? request.query.to : addDays(from, 6);
      const rows = await ctx.db
        .selectFrom('lessons')
        .selectAll()
        .where('class_id', '=', request.params.classId)
        .where('on_date', '>=', from)
        .where('on_date', '<=', to)
        .orderBy('on_date')
        .orderBy('lesson_no')
        .execute();
      // Topics and homework belong to the class's diaries; the timetable shows only when and where.
      return { lessons: (await presentLessons(ctx.db, a.schoolId, rows)).map((l) => ({ ...l, topic: null, homework: null })) };
    },
  );

  r.get(
    `${base}/grade-history`,
    {
      schema: {
        tags,
        summary: 'Every change of a grade: who, when, old and new (admin)',
        params: SchoolParams,
        querystring: z.object({ classId: Id.optional(), studentId: Id.optional() }),
        response: { 200: GradeHistory, ...errors },
      },
    },
    async (request) => {
      await admin(me(request).user.id, request.params.schoolId);
      return { changes: await gradeHistory(ctx.db, request.params.schoolId, request.query) };
    },
  );
}
