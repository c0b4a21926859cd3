import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  AcademicYear,
  AssignTeacherBody,
  CreateAcademicYearBody,
  CreateClassBody,
  CreatePersonBody,
  CreateSchoolBody,
  EnrolBody,
  ErrorBody,
  GuardianshipBody,
  Id,
  PeopleQuery,
  Person,
  PersonList,
  School,
  SchoolClass,
  UpdateClassBody,
  UpdatePersonBody,
} from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { me } from '../http/auth.ts';
import { AppError } from '../http/errors.ts';
import { accessSchool, phonesVisibleTo, requireAdmin, requireStaff } from './access.ts';
import { getPerson, getSchool, presentClasses, presentPeople, presentSchool } from './store.ts';
import * as svc from './service.ts';

const tags = ['directory'];
const SchoolParams = z.object({ schoolId: Id });
const ClassParams = SchoolParams.extend({ classId: Id });
const PersonParams = SchoolParams.extend({ personId: Id });
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const noContent = { 204: z.null(), ...errors };

export function directoryRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const admin = async (userId: string, schoolId: string) => {
    const access = await accessSchool(ctx.db, userId, schoolId);
    requireAdmin(access);
    return access;
  };

  r.post(
    '/api/v1/schools',
    { schema: { tags, summary: 'Create a school with its first admin (platform operator)', body: CreateSchoolBody, response: { 201: School, ...errors } } },
    async (request, reply) => {
      if (!me(request).user.is_operator) throw new AppError('forbidden', 403);
      return reply.status(201).send(presentSchool(await svc.createSchool(ctx, request.body)));
    },
  );

  r.get(
    '/api/v1/schools/:schoolId',
    { schema: { tags, summary: 'A school I belong to', params: SchoolParams, response: { 200: School, ...errors } } },
    async (request) => {
      await accessSchool(ctx.db, me(request).user.id, request.params.schoolId);
      return presentSchool(await getSchool(ctx.db, request.params.schoolId));
    },
  );

  r.get(
    '/api/v1/schools/:schoolId/years',
    { schema: { tags, summary: 'Academic years', params: SchoolParams, response: { 200: z.object({ years: z.array(AcademicYear) }), ...errors } } },
    async (request) => {
      await accessSchool(ctx.db, me(request).user.id, request.params.schoolId);
      const rows = await ctx.db
        .selectFrom('academic_years')
        .selectAll()
        .where('school_id', '=', request.params.schoolId)
        .orderBy('starts_on', 'desc')
        .execute();
      return { years: rows.map((y) => ({ id: y.id, name: y.name, startsOn: y.starts_on, endsOn: y.ends_on, isCurrent: y.is_current })) };
    },
  );

  r.post(
    '/api/v1/schools/:schoolId/years',
    {
      schema: { tags, summary: 'Add an academic year (admin)', params: SchoolParams, body: CreateAcademicYearBody, response: { 201: AcademicYear, ...errors } },
    },
    async (request, reply) => {
      await admin(me(request).user.id, request.params.schoolId);
      const y = await svc.createAcademicYear(ctx, request.params.schoolId, request.body);
      return reply.status(201).send({ id: y.id, name: y.name, startsOn: y.starts_on, endsOn: y.ends_on, isCurrent: y.is_current });
    },
  );

  r.get(
    '/api/v1/schools/:schoolId/classes',
    { schema: { tags, summary: 'Classes of the school', params: SchoolParams, response: { 200: z.object({ classes: z.array(SchoolClass) }), ...errors } } },
    async (request) => {
      await accessSchool(ctx.db, me(request).user.id, request.params.schoolId);
      const rows = await ctx.db
        .selectFrom('classes')
        .selectAll()
        .where('school_id', '=', request.params.schoolId)
        .where('archived_at', 'is', null)
        .orderBy('grade')
        .orderBy('name')
        .execute();
      return { classes: await presentClasses(ctx.db, rows) };
    },
  );

  r.post(
    '/api/v1/schools/:schoolId/classes',
    { schema: { tags, summary: 'Create a class (admin)', params: SchoolParams, body: CreateClassBody, response: { 201: SchoolClass, ...errors } } },
    async (request, reply) => {
      await admin(me(request).user.id, request.params.schoolId);
      const c = await svc.createClass(ctx, request.params.schoolId, request.body);
      return reply.status(201).send((await presentClasses(ctx.db, [c]))[0]!);
    },
  );

  r.patch(
    '/api/v1/schools/:schoolId/classes/:classId',
    { schema: { tags, summary: 'Rename a class (admin)', params: ClassParams, body: UpdateClassBody, response: { 200: SchoolClass, ...errors } } },
    async (request) => {
      await admin(me(request).user.id, request.params.schoolId);
      const c = await svc.updateClass(ctx, request.params.schoolId, request.params.classId, request.body);
      return (await presentClasses(ctx.db, [c]))[0]!;
    },
  );

  r.delete(
    '/api/v1/schools/:schoolId/classes/:classId',
    { schema: { tags, summary: 'Archive a class (admin)', params: ClassParams, response: noContent } },
    async (request, reply) => {
      await admin(me(request).user.id, request.params.schoolId);
      await svc.archiveClass(ctx, request.params.schoolId, request.params.classId);
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/api/v1/schools/:schoolId/people',
    {
      schema: {
        tags,
        summary: 'The roster (staff); phones are shown to admins, and to a class teacher for the guardians of her class',
        params: SchoolParams,
        querystring: PeopleQuery,
        response: { 200: PersonList, ...errors },
      },
    },
    async (request) => {
      const access = await accessSchool(ctx.db, me(request).user.id, request.params.schoolId);
      requireStaff(access);
      const { role, classId, q, offset, limit } = request.query;
      // Bots are accounts with a roster person of their own (bots/), listed on the bots screen, not here.
      let query = ctx.db
        .selectFrom('persons')
        .selectAll('persons')
        .where('persons.school_id', '=', request.params.schoolId)
        .where('persons.archived_at', 'is', null)
        .where((eb) => eb.not(eb(eb.val('bot'), '=', eb.fn.any('persons.roles'))));
      if (role) query = query.where((eb) => eb(eb.val(role), '=', eb.fn.any('persons.roles')));
      if (classId) {
        query = query.where((eb) =>
          eb.or([
            eb.exists(
              eb
                .selectFrom('enrolments')
                .select('id')
                .whereRef('enrolments.student_id', '=', 'persons.id')
                .where('enrolments.class_id', '=', classId)
                .where('enrolments.left_at', 'is', null),
            ),
            eb.exists(
              eb
                .selectFrom('class_teachers')
                .select('id')
                .whereRef('class_teachers.person_id', '=', 'persons.id')
                .where('class_teachers.class_id', '=', classId),
            ),
            eb.exists(
              eb
                .selectFrom('guardianships')
                .innerJoin('enrolments', 'enrolments.student_id', 'guardianships.student_id')
                .select('enrolments.id')
                .whereRef('guardianships.guardian_id', '=', 'persons.id')
                .where('enrolments.class_id', '=', classId)
                .where('enrolments.left_at', 'is', null),
            ),
          ]),
        );
      }
      if (q) {
        const like = `%${q.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
        query = query.where((eb) => eb.or([eb('persons.last_name', 'ilike', like), eb('persons.first_name', 'ilike', like)]));
      }
      // Paged, never cut silently: the answer says how many match in all.
      const rows = await query.orderBy('persons.last_name').orderBy('persons.first_name').orderBy('persons.id').offset(offset).limit(limit).execute();
      const total =
        rows.length < limit && (offset === 0 || rows.length > 0)
          ? offset + rows.length
          : Number(
              (
                await query
                  .clearSelect()
                  .select((eb) => eb.fn.countAll<string>().as('n'))
                  .executeTakeFirstOrThrow()
              ).n,
            );
      return { people: await presentPeople(ctx.db, rows, await phonesVisibleTo(ctx.db, access)), total };
    },
  );

  r.post(
    '/api/v1/schools/:schoolId/people',
    { schema: { tags, summary: 'Add a person to the roster (admin)', params: SchoolParams, body: CreatePersonBody, response: { 201: Person, ...errors } } },
    async (request, reply) => {
      await admin(me(request).user.id, request.params.schoolId);
      const p = await svc.createPerson(ctx, request.params.schoolId, request.body);
      return reply.status(201).send((await presentPeople(ctx.db, [p], true))[0]!);
    },
  );

  r.get(
    '/api/v1/schools/:schoolId/people/:personId',
    { schema: { tags, summary: 'One person of the roster (staff)', params: PersonParams, response: { 200: Person, ...errors } } },
    async (request) => {
      const access = await accessSchool(ctx.db, me(request).user.id, request.params.schoolId);
      requireStaff(access);
      const p = await getPerson(ctx.db, request.params.schoolId, request.params.personId);
      return (await presentPeople(ctx.db, [p], await phonesVisibleTo(ctx.db, access)))[0]!;
    },
  );

  r.patch(
    '/api/v1/schools/:schoolId/people/:personId',
    { schema: { tags, summary: 'Change a person (admin)', params: PersonParams, body: UpdatePersonBody, response: { 200: Person, ...errors } } },
    async (request) => {
      await admin(me(request).user.id, request.params.schoolId);
      const p = await svc.updatePerson(ctx, request.params.schoolId, request.params.personId, request.body);
      return (await presentPeople(ctx.db, [p], true))[0]!;
    },
  );

  r.delete(
    '/api/v1/schools/:schoolId/people/:personId',
    { schema: { tags, summary: 'Take a person off the roster (admin)', params: PersonParams, response: noContent } },
    async (request, reply) => {
      await admin(me(request).user.id, request.params.schoolId);
      await svc.archivePerson(ctx, request.params.schoolId, request.params.personId);
      return reply.status(204).send(null);
    },
  );

  r.post(
    '/api/v1/schools/:schoolId/classes/:classId/students',
    {
      schema: {
        tags,
        summary: 'Enrol a student, moving them from another class of the year (admin)',
        params: ClassParams,
        body: EnrolBody,
        response: noContent,
      },
    },
    async (request, reply) => {
      await admin(me(request).user.id, request.params.schoolId);
      await svc.enrol(ctx, request.params.schoolId, request.params.classId, request.body.studentId);
      return reply.status(204).send(null);
    },
  );

  r.delete(
    '/api/v1/schools/:schoolId/classes/:classId/students/:studentId',
    { schema: { tags, summary: 'A student leaves the class (admin)', params: ClassParams.extend({ studentId: Id }), response: noContent } },
    async (request, reply) => {
      await admin(me(request).user.id, request.params.schoolId);
      await svc.unenrol(ctx, request.params.schoolId, request.params.classId, request.params.studentId);
      return reply.status(204).send(null);
    },
  );

  r.post(
    '/api/v1/schools/:schoolId/classes/:classId/teachers',
    { schema: { tags, summary: 'Assign a teacher to a class (admin)', params: ClassParams, body: AssignTeacherBody, response: noContent } },
    async (request, reply) => {
      await admin(me(request).user.id, request.params.schoolId);
      await svc.assignTeacher(ctx, request.params.schoolId, request.params.classId, request.body);
      return reply.status(204).send(null);
    },
  );

  r.delete(
    '/api/v1/schools/:schoolId/classes/:classId/teachers/:personId',
    { schema: { tags, summary: 'Remove a teacher from a class (admin)', params: ClassParams.extend({ personId: Id }), response: noContent } },
    async (request, reply) => {
      await admin(me(request).user.id, request.params.schoolId);
      await svc.unassignTeacher(ctx, request.params.schoolId, request.params.classId, request.params.personId);
      return reply.status(204).send(null);
    },
  );

  r.post(
    '/api/v1/schools/:schoolId/guardianships',
    { schema: { tags, summary: 'Link a guardian to a child (admin)', params: SchoolParams, body: GuardianshipBody, response: noContent } },
    async (request, reply) => {
      await admin(me(request).user.id, request.params.schoolId);
      await svc.addGuardianship(ctx, request.params.schoolId, request.body.guardianId, request.body.studentId, request.body.relation ?? null);
      return reply.status(204).send(null);
    },
  );

  r.delete(
    '/api/v1/schools/:schoolId/guardianships/:guardianId/:studentId',
    {
      schema: { tags, summary: 'Unlink a guardian from a child (admin)', params: SchoolParams.extend({ guardianId: Id, studentId: Id }), response: noContent },
    },
    async (request, reply) => {
      await admin(me(request).user.id, request.params.schoolId);
      await svc.removeGuardianship(ctx, request.params.schoolId, request.params.guardianId, request.params.studentId);
      return reply.status(204).send(null);
    },
  );
}
