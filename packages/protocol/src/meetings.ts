import { z } from 'zod';
import { Id, Iso } from './common.ts';

/** Video lessons, parent meetings and ad-hoc calls; polls in any chat. */

export const MeetingKind = z.enum(['lesson', 'parents', 'meeting', 'call']);
export type MeetingKind = z.infer<typeof MeetingKind>;
export const MeetingStatus = z.enum(['scheduled', 'live', 'ended']);

export const ScheduleMeetingBody = z.object({
  title: z.string().trim().min(1).max(200),
  agenda: z.array(z.string().trim().min(1).max(300)).max(30).default([]),
  startsAt: z.iso.datetime({ offset: true }),
  durationMinutes: z.number().int().min(5).max(600),
  kind: MeetingKind.exclude(['call']).optional().describe("Default: `lesson` in a class chat, `parents` in a parents' chat, else `meeting`"),
});
export type ScheduleMeetingBody = z.infer<typeof ScheduleMeetingBody>;

export const RsvpBody = z.object({ answer: z.enum(['yes', 'no']) });

export const Meeting = z.object({
  id: Id,
  chatId: Id,
  kind: MeetingKind,
  title: z.string(),
  agenda: z.array(z.string()),
  startsAt: Iso,
  durationMinutes: z.number().int(),
  status: MeetingStatus,
  hostPersonId: Id,
  locked: z.boolean(),
  lobby: z.boolean().describe('Waiting room: others wait until the host admits them'),
  muteOnEntry: z.boolean().describe('Who joins starts muted by the host (set by «выключить звук всем»)'),
  opensAt: Iso.describe('Joining is allowed from this instant until the host ends the meeting'),
  endedAt: Iso.nullable(),
  autoEndsAt: Iso.nullable().describe('Running without its host: it ends by itself at this instant unless the host comes back'),
  myRsvp: z.enum(['yes', 'no']).nullable(),
  rsvp: z.object({ yes: z.number().int(), no: z.number().int(), names: z.object({ yes: z.array(z.string()), no: z.array(z.string()) }).optional() }),
  isHost: z.boolean(),
  videoConfigured: z.boolean(),
});
export type Meeting = z.infer<typeof Meeting>;

export const IceServer = z.object({ urls: z.array(z.string()), username: z.string().optional(), credential: z.string().optional() });

export const JoinMeetingBody = z.object({ audioOnly: z.boolean().default(false) });
export const JoinedMeeting = z.object({ meeting: Meeting, participantId: Id, iceServers: z.array(IceServer) });

export const FeedKind = z.enum(['camera', 'screen']);
export const PublishBody = z.object({ kind: FeedKind.default('camera'), sdp: z.string().min(10).max(100_000), simulcast: z.boolean().default(true) });
export const Published = z.object({ feedId: z.number().int(), sdp: z.string() });
export const SubscribeBody = z.object({
  feedId: z.number().int(),
  audioOnly: z.boolean().default(false),
  substream: z.number().int().min(0).max(2).optional(),
});
export const Subscribed = z.object({ subscriptionId: Id, sdp: z.string() });
export const AnswerBody = z.object({ sdp: z.string().min(10).max(100_000) });
export const SubstreamBody = z.object({ substream: z.number().int().min(0).max(2) });

export const LiveFeed = z.object({ feedId: z.number().int(), kind: FeedKind, audioMuted: z.boolean(), videoStopped: z.boolean() });
export const LiveParticipant = z.object({
  participantId: Id,
  personId: Id,
  name: z.string(),
  isHost: z.boolean(),
  isStaff: z.boolean(),
  handRaisedAt: Iso.nullable(),
  feeds: z.array(LiveFeed),
  isCohost: z.boolean().default(false),
});
export const MeetingReaction = z.object({ personId: Id, emoji: z.string(), at: Iso });
export const LiveState = z.object({
  meeting: Meeting,
  participants: z.array(LiveParticipant),
  hands: z.array(z.object({ personId: Id, name: z.string(), at: Iso })).describe('Raised hands, in the order they were raised'),
  reactions: z.array(MeetingReaction).describe('Reactions of the last 15 seconds'),
  me: z.object({
    participantId: Id.nullable(),
    removed: z.boolean(),
    audioMutedByHost: z.boolean(),
    videoStoppedByHost: z.boolean(),
    isCohost: z.boolean().default(false).describe("I have the host's controls too"),
    unmuteAsked: z.boolean().default(false).describe('The host asks me to turn my microphone on'),
  }),
  spotlightPersonId: Id.nullable().default(null).describe('The speaker shown large to everyone'),
  waiting: z
    .array(z.object({ personId: Id, name: z.string(), since: Iso }))
    .describe('The waiting room, in order of arrival (host and co-hosts; empty for others)'),
  removed: z
    .array(z.object({ personId: Id, name: z.string() }))
    .describe('People the host removed (host and co-hosts; empty for others): they can be readmitted'),
});
export type LiveState = z.infer<typeof LiveState>;

export const HostAction = z.discriminatedUnion('action', [
  z.object({ action: z.literal('mute'), personId: Id }),
  z.object({ action: z.literal('unmute'), personId: Id }),
  z.object({ action: z.literal('mute_all') }),
  z.object({ action: z.literal('stop_video'), personId: Id }),
  z.object({ action: z.literal('remove'), personId: Id }),
  z.object({ action: z.literal('readmit'), personId: Id }),
  z.object({ action: z.literal('mute_on_entry'), on: z.boolean() }),
  z.object({ action: z.literal('lobby'), on: z.boolean() }),
  z.object({ action: z.literal('admit'), personId: Id }),
  z.object({ action: z.literal('admit_all') }),
  z.object({ action: z.literal('lock') }),
  z.object({ action: z.literal('unlock') }),
  z.object({ action: z.literal('end') }),
  z.object({ action: z.literal('hand_over'), personId: Id }),
  z.object({ action: z.literal('lower_hand'), personId: Id }),
  z.object({ action: z.literal('ask_unmute'), personId: Id }).describe("Lift the host's mute and ask the person to turn the microphone on; they decide"),
  z
    .object({ action: z.literal('cohost'), personId: Id, on: z.boolean() })
    .describe('Grant or revoke co-host (host only): a teacher, administrator or parent of the chat'),
  z.object({ action: z.literal('spotlight'), personId: Id.nullable() }).describe('Show this speaker large to everyone (null: nobody)'),
]);
export const UnmuteAnswerBody = z.object({ accept: z.boolean() });
export type HostAction = z.infer<typeof HostAction>;

export const HandBody = z.object({ raised: z.boolean() });
export const ReactionBodyMeeting = z.object({ emoji: z.enum(['👍', '👏', '❤️', '😂', '😮', '🙋']) });

export const AttendanceRow = z.object({
  personId: Id,
  name: z.string(),
  roles: z.array(z.string()),
  firstJoinedAt: Iso.nullable(),
  lastLeftAt: Iso.nullable(),
  seconds: z.number().int(),
  sessions: z.number().int(),
  removed: z.boolean().describe('The last session ended with the host removing them'),
});
export const Attendance = z.object({
  meetingId: Id,
  attended: z.array(AttendanceRow),
  absentFamilies: z
    .array(z.object({ studentId: Id, studentName: z.string(), guardians: z.array(z.string()) }))
    .describe('Parent meetings and lessons: students none of whose family joined'),
  absentMembers: z.array(z.object({ personId: Id, name: z.string() })),
});
export type Attendance = z.infer<typeof Attendance>;

export const CreatePollBody = z.object({
  question: z.string().trim().min(1).max(300),
  options: z.array(z.string().trim().min(1).max(200)).min(2).max(12),
  multiple: z.boolean().default(false),
  anonymous: z.boolean().default(false),
  perFamily: z.boolean().default(false).describe('One vote per family: guardians of the same child share one vote'),
  closesAt: z.iso.datetime({ offset: true }).optional(),
});
export const VoteBody = z.object({ options: z.array(z.number().int().min(0)).min(1).max(12) });
export const Poll = z.object({
  id: Id,
  chatId: Id,
  question: z.string(),
  options: z.array(z.object({ text: z.string(), votes: z.number().int(), voters: z.array(z.string()).optional() })),
  multiple: z.boolean(),
  anonymous: z.boolean(),
  perFamily: z.boolean(),
  closesAt: Iso.nullable(),
  closed: z.boolean(),
  totalVoters: z.number().int(),
  myVote: z.array(z.number().int()).nullable(),
  createdAt: Iso,
});
export type Poll = z.infer<typeof Poll>;

/**
 * Multistream: one subscription per participant for every feed it receives. The client states what
 * it wants (audio of every feed, video of the visible tiles); the server adds and drops streams.
 */
export const WantedFeed = z.object({ feedId: z.number().int(), video: z.boolean(), substream: z.number().int().min(0).max(2).optional() });
export const StreamsBody = z.object({ feeds: z.array(WantedFeed).max(200) });
export const SubscribedStream = z.object({ mid: z.string(), feedId: z.number().int(), kind: z.enum(['audio', 'video']) });
export const StreamsState = z.object({
  subscriptionId: Id.nullable().describe('Null while nothing is subscribed'),
  sdp: z.string().nullable().describe("The SFU's new SDP offer, to answer; null when nothing changed"),
  streams: z.array(SubscribedStream).describe('What each m-line (by mid) carries now'),
});
export type StreamsState = z.infer<typeof StreamsState>;
export const StreamSubstreamBody = z.object({ feedId: z.number().int(), substream: z.number().int().min(0).max(2) });
