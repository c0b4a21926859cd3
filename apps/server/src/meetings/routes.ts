import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  AnswerBody,
  Attendance,
  CreatePollBody,
  ErrorBody,
  HandBody,
  HostAction,
  Id,
  JoinedMeeting,
  JoinMeetingBody,
  LiveState,
  Meeting,
  Poll,
  PublishBody,
  Published,
  ReactionBodyMeeting,
  RsvpBody,
  ScheduleMeetingBody,
  SubscribeBody,
  Subscribed,
  SubstreamBody,
  FeedKind,
  UnmuteAnswerBody,
  StreamsBody,
  StreamsState,
  StreamSubstreamBody,
} from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { me } from '../http/auth.ts';
import { accessChat } from '../messaging/access.ts';
import * as svc from './service.ts';
import { attendance, attendanceExport } from './attendance.ts';
import { hostAction } from './host.ts';
import { endAbandoned, leaveMeeting, sweepAbsent, sweepLostMedia } from './presence.ts';
import * as polls from './polls.ts';
import { live } from './live.ts';
import { liveState } from './live-state.ts';
import * as streams from './streams.ts';

const tags = ['meetings'];
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody };
const ChatParams = z.object({ id: Id });
const MeetingParams = z.object({ id: Id });
const SubParams = z.object({ id: Id, subscriptionId: Id });
const ok = z.object({ ok: z.literal(true) });

/**
 * Meetings and polls. Signalling is proxied: the browser sends its SDP here, Parta checks that
 * it is a member of the meeting's chat (and the host for host controls) and forwards it to the
 * media server, which only ever sees Parta.
 */
export function meetingsRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const meeting = (request: { params: { id: string } } & Parameters<typeof me>[0]) => svc.accessMeeting(ctx, me(request).user.id, request.params.id);

  if (ctx.media.adapter) live.attach(ctx.media.adapter);
  // Presence sweep (dropped networks end attendance rows) and 15-minute reminders.
  const sweep = setInterval(() => {
    void sweepAbsent(ctx).catch((err: Error) => ctx.log.warn({ err: err.message }, 'meeting presence sweep failed'));
    void endAbandoned(ctx).catch((err: Error) => ctx.log.warn({ err: err.message }, 'ending abandoned meetings failed'));
  }, 10_000);
  // Janus said a camera's media is gone: decide within seconds whether its browser died.
  const lostSweep = setInterval(
    () => void sweepLostMedia(ctx).catch((err: Error) => ctx.log.warn({ err: err.message }, 'meeting lost-media sweep failed')),
    2_000,
  );
  lostSweep.unref();
  const remind = setInterval(
    () => void svc.sendDueReminders(ctx).catch((err: Error) => ctx.log.warn({ err: err.message }, 'meeting reminders failed')),
    30_000,
  );
  sweep.unref();
  remind.unref();
  app.addHook('onClose', async () => {
    clearInterval(sweep);
    clearInterval(lostSweep);
    clearInterval(remind);
  });

  r.get(
    '/api/v1/chats/:id/meetings',
    {
      schema: { tags, summary: 'Meetings of a chat, newest first', params: ChatParams, response: { 200: z.object({ meetings: z.array(Meeting) }), ...errors } },
    },
    async (request) => {
      const access = await accessChat(ctx.db, me(request).user.id, request.params.id);
      return { meetings: await svc.presentMeetings(ctx, await svc.listMeetings(ctx, access), access.person.id) };
    },
  );

  r.post(
    '/api/v1/chats/:id/meetings',
    {
      schema: {
        tags,
        summary: 'Schedule a meeting in a chat (teachers and administration); a card is posted',
        params: ChatParams,
        body: ScheduleMeetingBody,
        response: { 201: Meeting, ...errors },
      },
    },
    async (request, reply) => {
      const userId = me(request).user.id;
      const access = await accessChat(ctx.db, userId, request.params.id);
      const row = await svc.scheduleMeeting(ctx, access, userId, request.body);
      return reply.status(201).send(await svc.presentMeeting(ctx, row, access.person.id));
    },
  );

  r.post(
    '/api/v1/chats/:id/call',
    { schema: { tags, summary: 'Start (or rejoin) an ad-hoc call in a direct chat or group', params: ChatParams, response: { 200: Meeting, ...errors } } },
    async (request) => {
      const userId = me(request).user.id;
      const access = await accessChat(ctx.db, userId, request.params.id);
      return svc.presentMeeting(ctx, await svc.startCall(ctx, access, userId), access.person.id);
    },
  );

  r.get(
    '/api/v1/meetings/:id',
    { schema: { tags, summary: 'A meeting, with the RSVP tally (names for the host)', params: MeetingParams, response: { 200: Meeting, ...errors } } },
    async (request) => {
      const m = await meeting(request);
      return svc.presentMeeting(ctx, m.meeting, m.access.person.id);
    },
  );

  r.post(
    '/api/v1/meetings/:id/rsvp',
    { schema: { tags, summary: "I'll attend / I can't", params: MeetingParams, body: RsvpBody, response: { 200: Meeting, ...errors } } },
    async (request) => {
      const m = await meeting(request);
      await svc.rsvp(ctx, m.meeting, m.access, request.body.answer);
      return svc.presentMeeting(ctx, m.meeting, m.access.person.id);
    },
  );

  r.post(
    '/api/v1/meetings/:id/join',
    {
      schema: {
        tags,
        summary: 'Enter the meeting (members of the chat, from 15 minutes before the start until it ends)',
        params: MeetingParams,
        body: JoinMeetingBody,
        response: { 200: JoinedMeeting, ...errors },
      },
    },
    async (request) => {
      const userId = me(request).user.id;
      const m = await svc.accessMeeting(ctx, userId, request.params.id);
      const { participantId } = await svc.joinMeeting(ctx, m.meeting, m.access, userId);
      const fresh = await svc.accessMeeting(ctx, userId, request.params.id);
      return { meeting: await svc.presentMeeting(ctx, fresh.meeting, m.access.person.id), participantId, iceServers: ctx.media.iceServers(userId) };
    },
  );

  r.post(
    '/api/v1/meetings/:id/leave',
    { schema: { tags, summary: 'Leave the meeting', params: MeetingParams, response: { 200: ok, ...errors } } },
    async (request) => {
      const m = await meeting(request);
      await leaveMeeting(ctx, m.meeting, m.access);
      return { ok: true as const };
    },
  );

  r.get(
    '/api/v1/meetings/:id/live',
    {
      schema: {
        tags,
        summary: 'Participants, feeds, raised hands and reactions; also keeps my presence',
        params: MeetingParams,
        response: { 200: LiveState, ...errors },
      },
    },
    async (request) => {
      const m = await meeting(request);
      return liveState(ctx, m.meeting, m.access);
    },
  );

  r.post(
    '/api/v1/meetings/:id/publish',
    {
      schema: {
        tags,
        summary: "Publish my camera or screen: my SDP offer in, the SFU's answer out",
        params: MeetingParams,
        body: PublishBody,
        response: { 200: Published, ...errors },
      },
    },
    async (request) => {
      const m = await meeting(request);
      return svc.publish(ctx, m.meeting, m.access, request.body.kind, request.body.sdp);
    },
  );

  r.post(
    '/api/v1/meetings/:id/unpublish',
    {
      schema: {
        tags,
        summary: 'Stop publishing my camera or screen',
        params: MeetingParams,
        body: z.object({ kind: FeedKind }),
        response: { 200: ok, ...errors },
      },
    },
    async (request) => {
      const m = await meeting(request);
      await svc.unpublish(ctx, m.meeting, m.access, request.body.kind);
      return { ok: true as const };
    },
  );

  r.post(
    '/api/v1/meetings/:id/subscribe',
    {
      schema: {
        tags,
        summary: "Receive a participant's feed: the SFU's SDP offer out",
        params: MeetingParams,
        body: SubscribeBody,
        response: { 200: Subscribed, ...errors },
      },
    },
    async (request) => {
      const m = await meeting(request);
      return svc.subscribe(ctx, m.meeting, m.access, request.body);
    },
  );

  r.post(
    '/api/v1/meetings/:id/subscriptions/:subscriptionId/answer',
    { schema: { tags, summary: 'My SDP answer to a subscription offer', params: SubParams, body: AnswerBody, response: { 200: ok, ...errors } } },
    async (request) => {
      const m = await meeting(request);
      await svc.answerSubscription(ctx, m.meeting, m.access, request.params.subscriptionId, request.body.sdp);
      return { ok: true as const };
    },
  );

  r.post(
    '/api/v1/meetings/:id/subscriptions/:subscriptionId/substream',
    {
      schema: {
        tags,
        summary: 'Pick the simulcast layer (0 = lowest) of a subscription',
        params: SubParams,
        body: SubstreamBody,
        response: { 200: ok, ...errors },
      },
    },
    async (request) => {
      const m = await meeting(request);
      await svc.setSubstream(ctx, m.meeting, m.access, request.params.subscriptionId, request.body.substream);
      return { ok: true as const };
    },
  );

  r.delete(
    '/api/v1/meetings/:id/subscriptions/:subscriptionId',
    { schema: { tags, summary: 'Close a subscription', params: SubParams, response: { 200: ok, ...errors } } },
    async (request) => {
      const m = await meeting(request);
      await svc.closeSubscription(ctx, m.meeting, m.access, request.params.subscriptionId);
      return { ok: true as const };
    },
  );

  r.put(
    '/api/v1/meetings/:id/streams',
    {
      schema: {
        tags,
        summary: 'Multistream: the feeds I receive on my one subscription (audio of each, video of those asked); returns the offer to answer when it changed',
        params: MeetingParams,
        body: StreamsBody,
        response: { 200: StreamsState, ...errors },
      },
    },
    async (request) => {
      const m = await meeting(request);
      return streams.updateStreams(ctx, m.meeting, m.access, request.body.feeds);
    },
  );

  r.post(
    '/api/v1/meetings/:id/streams/answer',
    { schema: { tags, summary: 'My SDP answer to the multistream offer', params: MeetingParams, body: AnswerBody, response: { 200: ok, ...errors } } },
    async (request) => {
      const m = await meeting(request);
      await streams.answerStreams(ctx, m.meeting, m.access, request.body.sdp);
      return { ok: true as const };
    },
  );

  r.post(
    '/api/v1/meetings/:id/streams/substream',
    {
      schema: {
        tags,
        summary: "Pick the simulcast layer (0 = lowest) of one feed's video on my multistream subscription",
        params: MeetingParams,
        body: StreamSubstreamBody,
        response: { 200: ok, ...errors },
      },
    },
    async (request) => {
      const m = await meeting(request);
      await streams.setFeedSubstream(ctx, m.meeting, m.access, request.body.feedId, request.body.substream);
      return { ok: true as const };
    },
  );

  r.delete(
    '/api/v1/meetings/:id/streams',
    { schema: { tags, summary: 'Close my multistream subscription', params: MeetingParams, response: { 200: ok, ...errors } } },
    async (request) => {
      const m = await meeting(request);
      await streams.closeStreams(ctx, m.meeting, m.access);
      return { ok: true as const };
    },
  );

  r.post(
    '/api/v1/meetings/:id/host',
    {
      schema: {
        tags,
        summary:
          'Host and co-host controls: mute, ask to unmute, mute all, stop video, remove, lock, end, spotlight, lower a hand; the host alone grants co-hosts and hands over',
        params: MeetingParams,
        body: HostAction,
        response: { 200: ok, ...errors },
      },
    },
    async (request) => {
      const m = await meeting(request);
      await hostAction(ctx, m.meeting, m.access, request.body);
      return { ok: true as const };
    },
  );

  r.post(
    '/api/v1/meetings/:id/unmute-request',
    {
      schema: {
        tags,
        summary: "Answer the host's request to turn my microphone on (the request is cleared either way)",
        params: MeetingParams,
        body: UnmuteAnswerBody,
        response: { 200: ok, ...errors },
      },
    },
    async (request) => {
      const m = await meeting(request);
      await svc.answerUnmute(ctx, m.meeting, m.access, request.body.accept);
      return { ok: true as const };
    },
  );

  r.post(
    '/api/v1/meetings/:id/hand',
    {
      schema: { tags, summary: 'Raise or lower my hand (the queue keeps the order)', params: MeetingParams, body: HandBody, response: { 200: ok, ...errors } },
    },
    async (request) => {
      const m = await meeting(request);
      await svc.raiseHand(ctx, m.meeting, m.access, request.body.raised);
      return { ok: true as const };
    },
  );

  r.post(
    '/api/v1/meetings/:id/reactions',
    {
      schema: {
        tags,
        summary: 'Send a reaction to everyone in the meeting',
        params: MeetingParams,
        body: ReactionBodyMeeting,
        response: { 200: ok, ...errors },
      },
    },
    async (request) => {
      const m = await meeting(request);
      await svc.react(ctx, m.meeting, m.access, request.body.emoji);
      return { ok: true as const };
    },
  );

  r.get(
    '/api/v1/meetings/:id/attendance',
    {
      schema: {
        tags,
        summary: 'Who attended, for how long, and absent families (host and staff)',
        params: MeetingParams,
        response: { 200: Attendance, ...errors },
      },
    },
    async (request) => {
      const m = await meeting(request);
      return attendance(ctx, m.meeting, m.access);
    },
  );

  r.get(
    '/api/v1/meetings/:id/attendance.csv',
    { schema: { tags, summary: 'Attendance as CSV (UTF-8)', params: MeetingParams, querystring: z.object({ lang: z.enum(['ru', 'en']).default('ru') }) } },
    async (request, reply) => {
      const m = await meeting(request);
      const csv = await attendanceExport(ctx, m.meeting, m.access, request.query.lang);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="attendance-${m.meeting.starts_at.toISOString().slice(0, 10)}.csv"`)
        .send(csv);
    },
  );

  r.post(
    '/api/v1/meetings/:id/polls',
    {
      schema: {
        tags,
        summary: 'A poll during the meeting (posted in its chat)',
        params: MeetingParams,
        body: CreatePollBody,
        response: { 201: Poll, ...errors },
      },
    },
    async (request, reply) => {
      const userId = me(request).user.id;
      const m = await svc.accessMeeting(ctx, userId, request.params.id);
      const row = await polls.createPoll(ctx, m.access, userId, request.body, m.meeting.id);
      return reply.status(201).send(await polls.presentPoll(ctx.db, row, m.access.person.id));
    },
  );

  r.get(
    '/api/v1/chats/:id/polls',
    { schema: { tags, summary: 'Polls of a chat, newest first', params: ChatParams, response: { 200: z.object({ polls: z.array(Poll) }), ...errors } } },
    async (request) => {
      const access = await accessChat(ctx.db, me(request).user.id, request.params.id);
      const rows = await polls.chatPolls(ctx.db, access.chat.id);
      return { polls: await Promise.all(rows.map((p) => polls.presentPoll(ctx.db, p, access.person.id))) };
    },
  );

  r.post(
    '/api/v1/chats/:id/polls',
    { schema: { tags, summary: 'Create a poll in a chat; a card is posted', params: ChatParams, body: CreatePollBody, response: { 201: Poll, ...errors } } },
    async (request, reply) => {
      const userId = me(request).user.id;
      const access = await accessChat(ctx.db, userId, request.params.id);
      const row = await polls.createPoll(ctx, access, userId, request.body);
      return reply.status(201).send(await polls.presentPoll(ctx.db, row, access.person.id));
    },
  );

  r.get(
    '/api/v1/polls/:id',
    { schema: { tags, summary: 'A poll with live results', params: MeetingParams, response: { 200: Poll, ...errors } } },
    async (request) => {
      const { poll, access } = await polls.accessPoll(ctx, me(request).user.id, request.params.id);
      return polls.presentPoll(ctx.db, poll, access.person.id);
    },
  );

  r.post(
    '/api/v1/polls/:id/vote',
    {
      schema: {
        tags,
        summary: 'Vote once (or once per family when the poll says so)',
        params: MeetingParams,
        body: z.object({ options: z.array(z.number().int().min(0)).min(1).max(12) }),
        response: { 200: Poll, ...errors },
      },
    },
    async (request) => {
      const { poll, access } = await polls.accessPoll(ctx, me(request).user.id, request.params.id);
      await polls.vote(ctx, poll, access, request.body.options);
      return polls.presentPoll(ctx.db, poll, access.person.id);
    },
  );

  r.post(
    '/api/v1/polls/:id/close',
    { schema: { tags, summary: 'Close a poll (its author or a moderator)', params: MeetingParams, response: { 200: Poll, ...errors } } },
    async (request) => {
      const { poll, access } = await polls.accessPoll(ctx, me(request).user.id, request.params.id);
      await polls.closePoll(ctx, poll, access);
      const fresh = await ctx.db.selectFrom('polls').selectAll().where('id', '=', poll.id).executeTakeFirstOrThrow();
      return polls.presentPoll(ctx.db, fresh, access.person.id);
    },
  );
}
