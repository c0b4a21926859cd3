import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  AbsenceBody,
  AbsenceList,
  AbsenceNotice,
  AttendanceBody,
  AttendanceSummary,
  DiaryGrades,
  DiaryWeek,
  ErrorBody,
  FinalMark,
  FinalMarkBody,
  Grade,
  GradeBody,
  Homework,
  HomeworkBody,
  HomeworkDoneBody,
  HomeworkList,
  Id,
  IsoDate,
  Journal,
  JournalQuery,
  Lesson,
  LessonPatchBody,
  PeriodQuery,
  SignoffBody,
  SignoffOverview,
  Teaching,
  WeekQuery,
} from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { me } from '../http/auth.ts';
import { accessDiary } from './access.ts';
import * as journal from './journal.ts';
import * as family from './family.ts';
import { loadSettings, presentHomework } from './store.ts';
import { todayIn } from './dates.ts';

const tags = ['diary'];
const SchoolParams = z.object({ schoolId: Id });
const LessonParams = SchoolParams.extend({ lessonId: Id });
const StudentParams = SchoolParams.extend({ studentId: Id });
const ClassParams = SchoolParams.extend({ classId: Id });
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const noContent = { 204: z.null(), ...errors };
const base = '/api/v1/schools/:schoolId/diary';

/** The teacher's journal and the family's diary. Routes parse and authorise; the commands do the rest. */
export function diaryRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const access = (request: { params: { schoolId: string } }, userId: string) => accessDiary(ctx.db, userId, request.params.schoolId);

  r.get(
    `${base}/teaching`,
    {
      schema: {
        tags,
        summary: 'The classes and subjects whose journals I keep or see',
        params: SchoolParams,
        response: { 200: z.object({ teaching: z.array(Teaching) }), ...errors },
      },
    },
    async (request) => {
      const a = await access(request, me(request).user.id);
      const all = (await loadSettings(ctx.db, a.schoolId)).teaching;
      const mine = a.isAdmin ? all : all.filter((t) => t.personId === a.person.id || a.classTeacherOf.includes(t.classId));
      const seen = new Set<string>();
      return { teaching: mine.filter((t) => (seen.has(`${t.classId}:${t.subjectId}`) ? false : (seen.add(`${t.classId}:${t.subjectId}`), true))) };
    },
  );

  r.get(
    `${base}/journal`,
    {
      schema: {
        tags,
        summary: 'The journal of a class and subject over a period, in one request',
        params: SchoolParams,
        querystring: JournalQuery,
        response: { 200: Journal, ...errors },
      },
    },
    async (request) => {
      const a = await access(request, me(request).user.id);
      return journal.loadJournal(ctx.db, a, request.query, a.timezone);
    },
  );

  r.patch(
    `${base}/lessons/:lessonId`,
    {
      schema: {
        tags,
        summary: "A lesson's topic and form of work (its teachers)",
        params: LessonParams,
        body: LessonPatchBody,
        response: { 200: Lesson, ...errors },
      },
    },
    async (request) => {
      const a = await access(request, me(request).user.id);
      return journal.patchLesson(ctx, a, request.params.lessonId, request.body);
    },
  );

  r.put(
    `${base}/lessons/:lessonId/homework`,
    {
      schema: {
        tags,
        summary: 'Set the homework at a lesson, due at a later lesson of the subject (its teachers)',
        params: LessonParams,
        body: HomeworkBody,
        response: { 200: Homework, ...errors },
      },
    },
    async (request) => {
      const a = await access(request, me(request).user.id);
      const hw = await journal.setHomework(ctx, a, request.params.lessonId, request.body);
      return (await presentHomework(ctx.db, a.schoolId, [hw], null))[0]!;
    },
  );

  r.delete(
    `${base}/lessons/:lessonId/homework`,
    { schema: { tags, summary: 'Remove the homework of a lesson (its teachers)', params: LessonParams, response: noContent } },
    async (request, reply) => {
      const a = await access(request, me(request).user.id);
      await journal.removeHomework(ctx, a, request.params.lessonId);
      return reply.status(204).send(null);
    },
  );

  r.put(
    `${base}/lessons/:lessonId/grades/:studentId`,
    {
      schema: {
        tags,
        summary: "Set or change a student's grade at a lesson (its teachers)",
        params: LessonParams.extend({ studentId: Id }),
        body: GradeBody,
        response: { 200: Grade, ...errors },
      },
    },
    async (request) => {
      const a = await access(request, me(request).user.id);
      return journal.setGrade(ctx, a, request.params.lessonId, request.params.studentId, request.body);
    },
  );

  r.delete(
    `${base}/lessons/:lessonId/grades/:studentId`,
    { schema: { tags, summary: 'Remove a grade (its teachers); kept in the history', params: LessonParams.extend({ studentId: Id }), response: noContent } },
    async (request, reply) => {
      const a = await access(request, me(request).user.id);
      await journal.removeGrade(ctx, a, request.params.lessonId, request.params.studentId);
      return reply.status(204).send(null);
    },
  );

  r.put(
    `${base}/lessons/:lessonId/attendance`,
    {
      schema: {
        tags,
        summary: 'Mark attendance of one or many students at a lesson (its teachers, the class teacher)',
        params: LessonParams,
        body: AttendanceBody,
        response: noContent,
      },
    },
    async (request, reply) => {
      const a = await access(request, me(request).user.id);
      await journal.setAttendance(ctx, a, request.params.lessonId, request.body);
      return reply.status(204).send(null);
    },
  );

  r.put(
    `${base}/final-marks`,
    {
      schema: {
        tags,
        summary: 'A period or year mark (teachers of the subject)',
        params: SchoolParams,
        body: FinalMarkBody,
        response: { 200: FinalMark, ...errors },
      },
    },
    async (request) => {
      const a = await access(request, me(request).user.id);
      return journal.setFinalMark(ctx, a, request.body);
    },
  );

  r.get(
    `${base}/students/:studentId/week`,
    { schema: { tags, summary: "A student's week in one request", params: StudentParams, querystring: WeekQuery, response: { 200: DiaryWeek, ...errors } } },
    async (request) => {
      const a = await access(request, me(request).user.id);
      return family.loadWeek(ctx.db, a, request.params.studentId, request.query.date, a.timezone);
    },
  );

  r.get(
    `${base}/students/:studentId/grades`,
    {
      schema: {
        tags,
        summary: "A student's grades by subject for a period, with weighted averages",
        params: StudentParams,
        querystring: PeriodQuery,
        response: { 200: DiaryGrades, ...errors },
      },
    },
    async (request) => {
      const a = await access(request, me(request).user.id);
      return family.loadGrades(ctx.db, a, request.params.studentId, request.query.periodId, a.timezone);
    },
  );

  r.get(
    `${base}/students/:studentId/homework`,
    {
      schema: {
        tags,
        summary: "A student's homework by due date",
        params: StudentParams,
        querystring: z.object({ from: IsoDate.optional() }),
        response: { 200: HomeworkList, ...errors },
      },
    },
    async (request) => {
      const a = await access(request, me(request).user.id);
      return family.homeworkList(ctx.db, a, request.params.studentId, request.query.from, a.timezone);
    },
  );

  r.get(
    `${base}/students/:studentId/attendance`,
    {
      schema: {
        tags,
        summary: "A student's attendance summary for a period",
        params: StudentParams,
        querystring: PeriodQuery,
        response: { 200: AttendanceSummary, ...errors },
      },
    },
    async (request) => {
      const a = await access(request, me(request).user.id);
      return family.attendanceSummary(ctx.db, a, request.params.studentId, request.query.periodId, a.timezone);
    },
  );

  r.put(
    `${base}/homework/:homeworkId/done`,
    {
      schema: {
        tags,
        summary: 'The student ticks their homework done (or not)',
        params: SchoolParams.extend({ homeworkId: Id }),
        body: HomeworkDoneBody,
        response: noContent,
      },
    },
    async (request, reply) => {
      const a = await access(request, me(request).user.id);
      await family.setHomeworkDone(ctx, a, request.params.homeworkId, request.body.done);
      return reply.status(204).send(null);
    },
  );

  r.post(
    `${base}/students/:studentId/absences`,
    {
      schema: {
        tags,
        summary: 'A guardian announces an absence in advance',
        params: StudentParams,
        body: AbsenceBody,
        response: { 201: AbsenceNotice, ...errors },
      },
    },
    async (request, reply) => {
      const a = await access(request, me(request).user.id);
      const n = await family.announceAbsence(ctx, a, request.params.studentId, request.body);
      const list = await family.listAbsences(ctx.db, a, { studentId: request.params.studentId });
      return reply.status(201).send(list.find((x) => x.id === n.id)!);
    },
  );

  r.get(
    `${base}/students/:studentId/absences`,
    { schema: { tags, summary: "A student's absence notices", params: StudentParams, response: { 200: AbsenceList, ...errors } } },
    async (request) => {
      const a = await access(request, me(request).user.id);
      return { notices: await family.listAbsences(ctx.db, a, { studentId: request.params.studentId }) };
    },
  );

  r.get(
    `${base}/classes/:classId/absences`,
    { schema: { tags, summary: 'Absence notices of a class (its class teacher, the admin)', params: ClassParams, response: { 200: AbsenceList, ...errors } } },
    async (request) => {
      const a = await access(request, me(request).user.id);
      return { notices: await family.listAbsences(ctx.db, a, { classId: request.params.classId }) };
    },
  );

  r.post(
    `${base}/students/:studentId/signoff`,
    { schema: { tags, summary: '«Дневник просмотрен»: a guardian signs off the week', params: StudentParams, body: SignoffBody, response: noContent } },
    async (request, reply) => {
      const a = await access(request, me(request).user.id);
      await family.signOff(ctx, a, request.params.studentId, request.body.weekStart);
      return reply.status(204).send(null);
    },
  );

  r.get(
    `${base}/classes/:classId/signoffs`,
    {
      schema: {
        tags,
        summary: 'Which families signed off the week (class teacher, admin)',
        params: ClassParams,
        querystring: z.object({ week: IsoDate.optional() }),
        response: { 200: SignoffOverview, ...errors },
      },
    },
    async (request) => {
      const a = await access(request, me(request).user.id);
      return family.signoffOverview(ctx.db, a, request.params.classId, request.query.week ?? todayIn(a.timezone));
    },
  );
}
