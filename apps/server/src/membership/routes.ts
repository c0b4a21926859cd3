import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  ApproveJoinRequestBody,
  CreatedInvitation,
  CreateInvitationBody,
  CreateJoinRequestBody,
  ErrorBody,
  Id,
  InvitationList,
  JoinRequest,
  JoinRequestList,
  JoinRequestStatus,
  PublicSchoolList,
  RedeemInvitationBody,
} from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { me } from '../http/auth.ts';
import { AppError } from '../http/errors.ts';
import { accessSchool, requireAdmin, requireStaff } from '../directory/access.ts';
import { fullName } from '../directory/rules.ts';
import * as svc from './service.ts';

const tags = ['closed space'];
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 410: ErrorBody };
const SchoolParams = z.object({ schoolId: Id });

export function membershipRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/schools',
    {
      schema: {
        tags,
        summary: 'Schools one may ask to join (names only)',
        querystring: z.object({ q: z.string().max(100).optional() }),
        response: { 200: PublicSchoolList },
      },
    },
    async (request) => {
      let q = ctx.db.selectFrom('schools').select(['id', 'name']).orderBy('name').limit(50);
      if (request.query.q) q = q.where('name', 'ilike', `%${request.query.q.replace(/[%_\\]/g, (c) => `\\${c}`)}%`);
      return { schools: await q.execute() };
    },
  );

  r.post(
    '/api/v1/schools/:schoolId/invitations',
    {
      schema: {
        tags,
        summary: 'Invite one roster person (admin, or class teacher for their class)',
        params: SchoolParams,
        body: CreateInvitationBody,
        response: { 201: CreatedInvitation, ...errors },
      },
    },
    async (request, reply) => {
      const auth = me(request);
      const access = await accessSchool(ctx.db, auth.user.id, request.params.schoolId);
      requireStaff(access);
      return reply.status(201).send(await svc.createInvitation(ctx, access, auth.user.id, request.body.personId, request.body.ttlHours));
    },
  );

  r.get(
    '/api/v1/schools/:schoolId/invitations',
    {
      schema: {
        tags,
        summary: 'Invitations made in the school (admin: all; teachers: their own)',
        params: SchoolParams,
        response: { 200: InvitationList, ...errors },
      },
    },
    async (request) => {
      const auth = me(request);
      const access = await accessSchool(ctx.db, auth.user.id, request.params.schoolId);
      requireStaff(access);
      let q = ctx.db
        .selectFrom('invitations')
        .innerJoin('persons', 'persons.id', 'invitations.person_id')
        .selectAll('invitations')
        .select(['persons.last_name', 'persons.first_name', 'persons.middle_name'])
        .where('invitations.school_id', '=', request.params.schoolId)
        .orderBy('invitations.created_at', 'desc')
        .limit(500);
      if (!access.isAdmin) q = q.where('invitations.created_by', '=', auth.user.id);
      const rows = await q.execute();
      return { invitations: rows.map((i) => svc.presentInvitation(i, fullName(i))) };
    },
  );

  r.delete(
    '/api/v1/schools/:schoolId/invitations/:id',
    { schema: { tags, summary: 'Revoke an unused invitation', params: SchoolParams.extend({ id: Id }), response: { 204: z.null(), ...errors } } },
    async (request, reply) => {
      const auth = me(request);
      const access = await accessSchool(ctx.db, auth.user.id, request.params.schoolId);
      requireStaff(access);
      let q = ctx.db
        .updateTable('invitations')
        .set({ revoked_at: new Date() })
        .where('id', '=', request.params.id)
        .where('school_id', '=', request.params.schoolId)
        .where('used_at', 'is', null)
        .where('revoked_at', 'is', null);
      if (!access.isAdmin) q = q.where('created_by', '=', auth.user.id);
      const res = await q.executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) throw new AppError('not_found', 404);
      return reply.status(204).send(null);
    },
  );

  r.post(
    '/api/v1/invitations/redeem',
    {
      schema: {
        tags,
        summary: 'Join a school with an invitation code',
        body: RedeemInvitationBody,
        response: { 200: z.object({ schoolId: Id, personId: Id }), ...errors },
      },
    },
    async (request) => svc.redeemInvitation(ctx, me(request).user, request.body.code),
  );

  r.post(
    '/api/v1/join-requests',
    { schema: { tags, summary: 'Ask a school admin to let me in', body: CreateJoinRequestBody, response: { 201: JoinRequest, ...errors } } },
    async (request, reply) => reply.status(201).send(await svc.createJoinRequest(ctx, me(request).user, request.body)),
  );

  r.get('/api/v1/join-requests', { schema: { tags, summary: 'My join requests', response: { 200: JoinRequestList } } }, async (request) => {
    const user = me(request).user;
    const rows = await ctx.db.selectFrom('join_requests').selectAll().where('user_id', '=', user.id).orderBy('created_at', 'desc').execute();
    return { joinRequests: rows.map((j) => svc.presentJoinRequest(j, user.phone)) };
  });

  r.delete(
    '/api/v1/join-requests/:id',
    { schema: { tags, summary: 'Withdraw my pending request', params: z.object({ id: Id }), response: { 204: z.null(), ...errors } } },
    async (request, reply) => {
      const res = await ctx.db
        .updateTable('join_requests')
        .set({ status: 'cancelled', decided_at: new Date() })
        .where('id', '=', request.params.id)
        .where('user_id', '=', me(request).user.id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) throw new AppError('not_found', 404);
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/api/v1/schools/:schoolId/join-requests',
    {
      schema: {
        tags,
        summary: 'Join requests to the school (admin)',
        params: SchoolParams,
        querystring: z.object({ status: JoinRequestStatus.optional() }),
        response: { 200: JoinRequestList, ...errors },
      },
    },
    async (request) => {
      const access = await accessSchool(ctx.db, me(request).user.id, request.params.schoolId);
      requireAdmin(access);
      let q = ctx.db
        .selectFrom('join_requests')
        .innerJoin('users', 'users.id', 'join_requests.user_id')
        .selectAll('join_requests')
        .select('users.phone')
        .where('join_requests.school_id', '=', request.params.schoolId)
        .orderBy('join_requests.created_at', 'desc')
        .limit(500);
      if (request.query.status) q = q.where('join_requests.status', '=', request.query.status);
      const rows = await q.execute();
      return { joinRequests: rows.map((j) => svc.presentJoinRequest(j, j.phone)) };
    },
  );

  r.post(
    '/api/v1/schools/:schoolId/join-requests/:id/approve',
    {
      schema: {
        tags,
        summary: 'Approve: link the applicant to a roster person (admin)',
        params: SchoolParams.extend({ id: Id }),
        body: ApproveJoinRequestBody,
        response: { 200: JoinRequest, ...errors },
      },
    },
    async (request) => {
      const auth = me(request);
      const access = await accessSchool(ctx.db, auth.user.id, request.params.schoolId);
      requireAdmin(access);
      return svc.decideJoinRequest(ctx, access, auth.user.id, request.params.id, { approve: true, personId: request.body.personId });
    },
  );

  r.post(
    '/api/v1/schools/:schoolId/join-requests/:id/reject',
    { schema: { tags, summary: 'Reject a join request (admin)', params: SchoolParams.extend({ id: Id }), response: { 200: JoinRequest, ...errors } } },
    async (request) => {
      const auth = me(request);
      const access = await accessSchool(ctx.db, auth.user.id, request.params.schoolId);
      requireAdmin(access);
      return svc.decideJoinRequest(ctx, access, auth.user.id, request.params.id, { approve: false });
    },
  );
}
