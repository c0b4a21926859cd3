import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  Chat,
  ChatList,
  ChatMember,
  CreateDirectBody,
  CreateGroupBody,
  EditMessageBody,
  ErrorBody,
  HistoryQuery,
  Id,
  Message,
  MessagePage,
  MessagingPolicy,
  NotConnectedPerson,
  PinBody,
  Reaction,
  ReactionBody,
  ReadBody,
  Receipts,
  SearchQuery,
  SearchResults,
  SendMessageBody,
  SentMessage,
  UpdatesPage,
  UpdatesQuery,
  WorkingHours,
} from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { me } from '../http/auth.ts';
import { AppError } from '../http/errors.ts';
import { accessSchool, phonesVisibleTo, requireAdmin } from '../directory/access.ts';
import { isChannel, loadAccess } from './access.ts';
import { notConnected, presentNotConnected } from './audience.ts';
import * as actions from './actions.ts';
import { addGroupMembers, createGroup, openDirect } from './groups.ts';
import { getPolicy, setPolicy } from './policy.ts';
import { chatMembers, history, listChats, oneMessage, receipts, search } from './queries.ts';
import { presentHours, setWorkingHours } from './quiet.ts';
import { sendMessage } from './send.ts';
import { readStream } from '../stream/read.ts';

const tags = ['messaging'];
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const ChatParams = z.object({ id: Id });
const MessageParams = ChatParams.extend({ messageId: Id });
const SchoolParams = z.object({ schoolId: Id });

export function messagingRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const chat = (userId: string, chatId: string) => loadAccess(ctx, userId, chatId);

  r.get('/api/v1/chats', { schema: { tags, summary: 'My chats with unread counts', response: { 200: ChatList } } }, async (request) =>
    listChats(ctx.db, me(request).user.id),
  );

  r.get('/api/v1/chats/:id', { schema: { tags, summary: 'One of my chats', params: ChatParams, response: { 200: Chat, ...errors } } }, async (request) => {
    const userId = me(request).user.id;
    await chat(userId, request.params.id);
    const found = (await listChats(ctx.db, userId)).chats.find((c) => c.id === request.params.id);
    if (!found) throw new AppError('chat_not_found', 404);
    return found;
  });

  r.get(
    '/api/v1/chats/:id/members',
    {
      schema: {
        tags,
        summary: 'Members of a chat, with their roles in the school; and the roster people it is for who are not on Parta yet (channels: to moderators only)',
        params: ChatParams,
        response: { 200: z.object({ members: z.array(ChatMember), notConnected: z.array(NotConnectedPerson) }), ...errors },
      },
    },
    async (request) => {
      const access = await chat(me(request).user.id, request.params.id);
      const phones = await phonesVisibleTo(ctx.db, {
        schoolId: access.schoolId,
        person: access.person,
        roles: access.roles,
        isAdmin: access.roles.includes('admin'),
        isTeacher: access.roles.includes('teacher'),
      });
      // A channel's readers see only its staff, as with members.
      const absent = isChannel(access.chat.kind) && !access.isModerator ? [] : await presentNotConnected(ctx.db, await notConnected(ctx.db, access.chat.id));
      return { members: await chatMembers(ctx.db, access, phones), notConnected: absent };
    },
  );

  r.get(
    '/api/v1/chats/:id/messages',
    {
      schema: {
        tags,
        summary: "History, oldest first: before a seq (newest when omitted) or after one; teachersOnly filters to teachers' messages",
        params: ChatParams,
        querystring: HistoryQuery,
        response: { 200: MessagePage, ...errors },
      },
    },
    async (request) => {
      const access = await chat(me(request).user.id, request.params.id);
      return history(ctx.db, access, request.query);
    },
  );

  r.post(
    '/api/v1/chats/:id/messages',
    {
      schema: {
        tags,
        summary: 'Send a message; a retry with the same clientId returns the stored one (200)',
        params: ChatParams,
        body: SendMessageBody,
        response: { 200: SentMessage, 201: SentMessage, ...errors },
      },
    },
    async (request, reply) => {
      const userId = me(request).user.id;
      const access = await chat(userId, request.params.id);
      const { message, created } = await sendMessage(ctx, access, userId, request.body);
      return reply.status(created ? 201 : 200).send(message);
    },
  );

  r.patch(
    '/api/v1/chats/:id/messages/:messageId',
    { schema: { tags, summary: 'Edit my message', params: MessageParams, body: EditMessageBody, response: { 200: Message, ...errors } } },
    async (request) => {
      const access = await chat(me(request).user.id, request.params.id);
      return actions.editMessage(ctx, access, request.params.messageId, request.body.text);
    },
  );

  r.delete(
    '/api/v1/chats/:id/messages/:messageId',
    { schema: { tags, summary: 'Delete a message for everyone (author or moderator)', params: MessageParams, response: { 204: z.null(), ...errors } } },
    async (request, reply) => {
      const access = await chat(me(request).user.id, request.params.id);
      await actions.deleteMessage(ctx, access, request.params.messageId);
      return reply.status(204).send(null);
    },
  );

  r.post(
    '/api/v1/chats/:id/messages/:messageId/reactions',
    {
      schema: {
        tags,
        summary: 'Add my reaction',
        params: MessageParams,
        body: ReactionBody,
        response: { 200: z.object({ reactions: z.array(Reaction) }), ...errors },
      },
    },
    async (request) => {
      const access = await chat(me(request).user.id, request.params.id);
      return { reactions: await actions.react(ctx, access, request.params.messageId, request.body.emoji, true) };
    },
  );

  r.delete(
    '/api/v1/chats/:id/messages/:messageId/reactions/:emoji',
    {
      schema: {
        tags,
        summary: 'Remove my reaction',
        params: MessageParams.extend({
          emoji: z.string().min(1).max(64).describe('as stored: reactions made before emoji were enforced can still be removed'),
        }),
        response: { 200: z.object({ reactions: z.array(Reaction) }), ...errors },
      },
    },
    async (request) => {
      const access = await chat(me(request).user.id, request.params.id);
      return { reactions: await actions.react(ctx, access, request.params.messageId, request.params.emoji, false) };
    },
  );

  r.get(
    '/api/v1/chats/:id/messages/:messageId',
    { schema: { tags, summary: 'One message of the chat (e.g. the pinned one)', params: MessageParams, response: { 200: Message, ...errors } } },
    async (request) => {
      const access = await chat(me(request).user.id, request.params.id);
      return oneMessage(ctx.db, access, request.params.messageId);
    },
  );

  r.get(
    '/api/v1/chats/:id/messages/:messageId/receipts',
    {
      schema: {
        tags,
        summary: "Read by N of M, and who has not read (the author, in parents' chats and channels)",
        params: MessageParams,
        response: { 200: Receipts, ...errors },
      },
    },
    async (request) => {
      const access = await chat(me(request).user.id, request.params.id);
      return receipts(ctx.db, access, request.params.messageId);
    },
  );

  r.put(
    '/api/v1/chats/:id/pin',
    {
      schema: {
        tags,
        summary: 'Pin a message, or unpin with null (moderators; either member of a direct chat)',
        params: ChatParams,
        body: PinBody,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const access = await chat(me(request).user.id, request.params.id);
      await actions.pin(ctx, access, request.body.messageId);
      return reply.status(204).send(null);
    },
  );

  r.post(
    '/api/v1/chats/:id/read',
    {
      schema: {
        tags,
        summary: 'Move my read marker forward',
        params: ChatParams,
        body: ReadBody,
        response: { 200: z.object({ lastReadSeq: z.number().int() }), ...errors },
      },
    },
    async (request) => {
      const access = await chat(me(request).user.id, request.params.id);
      return { lastReadSeq: await actions.markRead(ctx, access, request.body.seq) };
    },
  );

  r.post(
    '/api/v1/chats/:id/members',
    {
      schema: {
        tags,
        summary: 'Add people to a group (its moderators)',
        params: ChatParams,
        body: z.object({ personIds: z.array(Id).min(1).max(500) }),
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const access = await chat(me(request).user.id, request.params.id);
      if (access.chat.kind !== 'group' || !access.isModerator) throw new AppError('forbidden', 403);
      await addGroupMembers(ctx, access.chat, request.body.personIds);
      return reply.status(204).send(null);
    },
  );

  r.post(
    '/api/v1/schools/:schoolId/groups',
    {
      schema: {
        tags,
        summary: 'Create a group chat from people of my classes (teachers)',
        params: SchoolParams,
        body: CreateGroupBody,
        response: { 201: z.object({ chatId: Id, notLinked: z.array(Id) }), ...errors },
      },
    },
    async (request, reply) => {
      const access = await accessSchool(ctx.db, me(request).user.id, request.params.schoolId);
      return reply.status(201).send(await createGroup(ctx, access, request.body.title, request.body.personIds));
    },
  );

  r.post(
    '/api/v1/schools/:schoolId/directs',
    {
      schema: {
        tags,
        summary: 'Open a direct chat, as the school policy allows',
        params: SchoolParams,
        body: CreateDirectBody,
        response: { 200: z.object({ chatId: Id }), ...errors },
      },
    },
    async (request) => {
      const access = await accessSchool(ctx.db, me(request).user.id, request.params.schoolId);
      return { chatId: await openDirect(ctx, access, request.body.personId) };
    },
  );

  r.get(
    '/api/v1/schools/:schoolId/messaging-policy',
    { schema: { tags, summary: "The school's direct-message policy", params: SchoolParams, response: { 200: MessagingPolicy, ...errors } } },
    async (request) => {
      await accessSchool(ctx.db, me(request).user.id, request.params.schoolId);
      return getPolicy(ctx.db, request.params.schoolId);
    },
  );

  r.put(
    '/api/v1/schools/:schoolId/messaging-policy',
    {
      schema: {
        tags,
        summary: "Change the school's direct-message policy (admin)",
        params: SchoolParams,
        body: MessagingPolicy,
        response: { 200: MessagingPolicy, ...errors },
      },
    },
    async (request) => {
      requireAdmin(await accessSchool(ctx.db, me(request).user.id, request.params.schoolId));
      return setPolicy(ctx.db, request.params.schoolId, request.body);
    },
  );

  r.get(
    '/api/v1/me/working-hours',
    { schema: { tags, summary: 'My working hours (null: notifications at any time)', response: { 200: z.object({ workingHours: WorkingHours.nullable() }) } } },
    async (request) => {
      const row = await ctx.db.selectFrom('working_hours').selectAll().where('user_id', '=', me(request).user.id).executeTakeFirst();
      return { workingHours: row ? presentHours(row) : null };
    },
  );

  r.put(
    '/api/v1/me/working-hours',
    {
      schema: {
        tags,
        summary: 'Set my working hours: outside them no notification is raised',
        body: WorkingHours,
        response: { 200: z.object({ workingHours: WorkingHours }), ...errors },
      },
    },
    async (request) => ({
      workingHours: await setWorkingHours(ctx.db, me(request).user.id, request.body),
    }),
  );

  r.delete('/api/v1/me/working-hours', { schema: { tags, summary: 'Clear my working hours', response: { 204: z.null() } } }, async (request, reply) => {
    await ctx.db.deleteFrom('working_hours').where('user_id', '=', me(request).user.id).execute();
    return reply.status(204).send(null);
  });

  r.get(
    '/api/v1/updates',
    { schema: { tags, summary: 'My update stream after a position, or resync', querystring: UpdatesQuery, response: { 200: UpdatesPage, ...errors } } },
    async (request) => readStream(ctx.db, me(request).user.id, request.query.after, request.query.limit),
  );

  r.get(
    '/api/v1/search',
    {
      schema: {
        tags,
        summary: 'Full-text search (Russian morphology) over the chats I may read',
        querystring: SearchQuery,
        response: { 200: SearchResults, ...errors },
      },
    },
    async (request) => ({
      messages: await search(ctx.db, me(request).user.id, request.query),
    }),
  );
}
