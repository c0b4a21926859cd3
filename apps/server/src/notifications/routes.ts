import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  ChatNotifySettings,
  DevicePush,
  ErrorBody,
  Id,
  InviteResult,
  NotificationPolicy,
  UrgentBudget,
  NotificationView,
  NotifySettingsBody,
  PushSubscribeBody,
  RecipientHours,
  UrgentBody,
  UrgentMark,
  VapidKey,
} from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { accessSchool, requireAdmin } from '../directory/access.ts';
import { me } from '../http/auth.ts';
import * as service from './service.ts';
import { deleteSubscriptionOfSession } from './store.ts';
import { vapidKeys } from './vapid.ts';
import { notificationView } from './view.ts';
import { recipientHours } from './ahead.ts';
import { inviteNotConnected } from './invite.ts';
import { emailRoutes } from './email.ts';

const tags = ['notifications'];
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody };
const IdParams = z.object({ id: Id });
const MessageParams = IdParams.extend({ messageId: Id });
const SchoolParams = z.object({ schoolId: Id });

/** Web Push subscriptions of this device, what a push shows, settings per chat and device, urgent messages. */
export function notificationsRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  emailRoutes(app, ctx);

  r.get('/api/v1/push/key', { schema: { tags, summary: "The server's VAPID public key", response: { 200: VapidKey } } }, async () => ({
    publicKey: (await vapidKeys(ctx.db)).publicKey,
  }));

  r.get('/api/v1/me/push', { schema: { tags, summary: "This device's push subscription and settings", response: { 200: DevicePush } } }, async (request) =>
    service.devicePush(ctx.db, me(request).sessionId),
  );

  r.put(
    '/api/v1/me/push',
    {
      schema: {
        tags,
        summary: 'Subscribe this device (PushSubscription.toJSON()); renews it',
        body: PushSubscribeBody,
        response: { 200: DevicePush, ...errors },
      },
    },
    async (request) => service.subscribe(ctx, me(request), request.body),
  );

  r.patch(
    '/api/v1/me/push',
    {
      schema: {
        tags,
        summary: 'This device: all / important / none; mute for 1h, 8h, 1d, forever (null: unmute)',
        body: NotifySettingsBody,
        response: { 200: DevicePush, ...errors },
      },
    },
    async (request) => service.setDevice(ctx, me(request), request.body),
  );

  r.delete('/api/v1/me/push', { schema: { tags, summary: 'Unsubscribe this device', response: { 204: z.null() } } }, async (request, reply) => {
    await deleteSubscriptionOfSession(ctx.db, me(request).sessionId);
    return reply.status(204).send(null);
  });

  r.get(
    '/api/v1/notifications/:id',
    {
      schema: {
        tags,
        summary: "What to show for a push (the service worker asks with the device's session)",
        params: IdParams,
        response: { 200: NotificationView, ...errors },
      },
    },
    async (request) => {
      const auth = me(request);
      return notificationView(ctx.db, auth.user.id, auth.user.locale === 'en' ? 'en' : 'ru', request.params.id);
    },
  );

  r.get(
    '/api/v1/chats/:id/notifications',
    { schema: { tags, summary: 'My notification settings of a chat', params: IdParams, response: { 200: ChatNotifySettings, ...errors } } },
    async (request) => service.chatSettings(ctx, me(request).user.id, request.params.id),
  );

  r.put(
    '/api/v1/chats/:id/notifications',
    {
      schema: {
        tags,
        summary: 'Set my notification level of a chat, or mute it',
        params: IdParams,
        body: NotifySettingsBody,
        response: { 200: ChatNotifySettings, ...errors },
      },
    },
    async (request) => service.setChatSettings(ctx, me(request).user.id, request.params.id, request.body),
  );

  r.get(
    '/api/v1/chats/:id/recipient-hours',
    {
      schema: {
        tags,
        summary: 'Before sending in a direct chat: when the other person will be notified, if they are in quiet hours now',
        params: IdParams,
        response: { 200: RecipientHours, ...errors },
      },
    },
    async (request) => {
      const auth = me(request);
      return recipientHours(ctx.db, auth.user.id, auth.user.locale === 'en' ? 'en' : 'ru', request.params.id);
    },
  );

  r.post(
    '/api/v1/chats/:id/messages/:messageId/urgent',
    {
      schema: {
        tags,
        summary: 'Mark my message urgent: notifies past quiet hours; limited per day',
        params: MessageParams,
        body: UrgentBody,
        response: { 200: UrgentMark, ...errors },
      },
    },
    async (request) => service.markUrgent(ctx, me(request), request.params.id, request.params.messageId, request.body.reason),
  );

  r.get(
    '/api/v1/chats/:id/urgent-budget',
    {
      schema: {
        tags,
        summary: 'Whether I may mark messages of this chat urgent, and how many marks I have left today',
        params: IdParams,
        response: { 200: UrgentBudget, ...errors },
      },
    },
    async (request) => service.urgentBudget(ctx, me(request), request.params.id),
  );

  r.post(
    '/api/v1/chats/:id/invite-not-connected',
    {
      schema: {
        tags,
        summary: 'Invite by SMS every roster person of the chat not on Parta (class teacher, admin); capped per school per day',
        params: IdParams,
        response: { 200: InviteResult, ...errors },
      },
    },
    async (request) => inviteNotConnected(ctx, me(request), request.params.id),
  );

  r.get(
    '/api/v1/schools/:schoolId/notification-policy',
    {
      schema: { tags, summary: "The school's quiet hours and urgent messages per day", params: SchoolParams, response: { 200: NotificationPolicy, ...errors } },
    },
    async (request) => {
      await accessSchool(ctx.db, me(request).user.id, request.params.schoolId);
      return service.getPolicy(ctx.db, request.params.schoolId);
    },
  );

  r.put(
    '/api/v1/schools/:schoolId/notification-policy',
    {
      schema: {
        tags,
        summary: "Set the school's quiet hours and urgent messages per day (admins)",
        params: SchoolParams,
        body: NotificationPolicy,
        response: { 200: NotificationPolicy, ...errors },
      },
    },
    async (request) => {
      requireAdmin(await accessSchool(ctx.db, me(request).user.id, request.params.schoolId));
      return service.setPolicy(ctx.db, request.params.schoolId, request.body);
    },
  );
}
