import { z } from 'zod';
import { Id, Iso } from './common.ts';

/**
 * The parent meeting from invitation to signed minutes: the agenda (questions with a speaker and
 * minutes each), what was said and decided per question, the assembled minutes (протокол) as PDF
 * and DOCX, «ознакомлен(а)» confirmations of any message, and individual consultations.
 */

export const AgendaItem = z.object({
  id: Id,
  position: z.number().int(),
  title: z.string(),
  speaker: z.string(),
  minutes: z.number().int(),
  said: z.string().describe('What was said, in brief (plain text)'),
  decision: z.string().describe('What was decided (plain text)'),
});
export type AgendaItem = z.infer<typeof AgendaItem>;

export const PutAgendaBody = z.object({
  items: z
    .array(
      z.object({
        id: Id.optional().describe('An existing item (keeps what was recorded for it); omitted = a new one'),
        title: z.string().trim().min(1).max(300),
        speaker: z.string().trim().max(200).default(''),
        minutes: z.number().int().min(0).max(600).default(0),
      }),
    )
    .max(30),
});
export type PutAgendaBody = z.infer<typeof PutAgendaBody>;

export const RecordItemBody = z.object({
  said: z.string().max(10_000).optional(),
  decision: z.string().max(10_000).optional(),
});

export const PublishedMinutes = z.object({
  messageId: Id.nullable(),
  publishedAt: Iso,
  pdfUrl: z.string().nullable(),
  docxUrl: z.string().nullable(),
});

export const Agenda = z.object({
  meetingId: Id,
  items: z.array(AgendaItem),
  canEdit: z.boolean().describe('The host, the meeting’s author or an administrator'),
  minutes: PublishedMinutes.nullable(),
});
export type Agenda = z.infer<typeof Agenda>;

export const MinutesFamily = z.object({ key: z.string(), name: z.string(), present: z.array(z.string()).describe('Who of the family came') });
export const MinutesPoll = z.object({
  question: z.string(),
  options: z.array(z.string()),
  /** Families per option (a family counts once per option). */
  tally: z.array(z.number().int()),
  families: z.array(z.object({ name: z.string(), choices: z.array(z.string()) })),
  notVoted: z.number().int().describe('Families that did not vote'),
});
export const MinutesDocument = z.object({
  meetingId: Id,
  title: z.string(),
  date: Iso,
  className: z.string().nullable(),
  chairName: z.string(),
  present: z.array(MinutesFamily),
  absent: z.array(z.object({ key: z.string(), name: z.string() })),
  otherPresent: z.array(z.string()).describe('People present who are not of a family of the class: teachers, guests'),
  items: z.array(AgendaItem),
  polls: z.array(MinutesPoll),
});
export type MinutesDocument = z.infer<typeof MinutesDocument>;

// ---- «Ознакомлен(а)» ----

export const AckRequestBody = z.object({ required: z.boolean().default(true) });
export const AckUnit = z.object({
  key: z.string().describe('`student:<id>` for a family of the class, `person:<id>` for anyone else'),
  name: z.string(),
  members: z.array(z.string()),
  ackedAt: Iso.nullable(),
  ackedBy: z.string().nullable(),
});
export const AckStatus = z.object({
  messageId: Id,
  required: z.boolean(),
  mine: z.object({ acked: z.boolean(), ackedAt: Iso.nullable(), ackedBy: z.string().nullable(), canAck: z.boolean() }),
  acked: z.number().int(),
  total: z.number().int(),
  units: z.array(AckUnit).optional().describe('Per family or person: to the author, teachers and admins only'),
  nudgedAt: Iso.nullable().optional(),
  canManage: z.boolean(),
});
export type AckStatus = z.infer<typeof AckStatus>;
export const ChatAcks = z.object({ acks: z.array(AckStatus) });
export const NudgeResult = z.object({ nudged: z.number().int().describe('People reminded'), nextAt: Iso.describe('The next reminder is allowed from') });

// ---- Consultations ----

export const ConsultationMode = z.enum(['video', 'in_person']);
export const CreateConsultationBody = z.object({
  title: z.string().trim().min(1).max(200).default('Индивидуальные консультации'),
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .describe('The day, in the school’s time zone'),
  from: z.string().regex(/^\d{2}:\d{2}$/),
  to: z.string().regex(/^\d{2}:\d{2}$/),
  slotMinutes: z.number().int().min(5).max(120),
  mode: ConsultationMode,
  place: z.string().trim().max(200).default(''),
  cutoffMinutes: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 60)
    .default(60)
    .describe('Booking, swapping and cancelling close this long before the first slot'),
});
export type CreateConsultationBody = z.infer<typeof CreateConsultationBody>;

export const ConsultationSlot = z.object({
  id: Id,
  startsAt: Iso,
  endsAt: Iso,
  booked: z.boolean(),
  mine: z.boolean(),
  familyName: z.string().nullable().describe('To the teacher only'),
  bookedBy: z.string().nullable().describe('To the teacher only'),
  meetingId: Id.nullable().describe('The private call, to the teacher and that family'),
  done: z.boolean(),
});
export const Consultation = z.object({
  id: Id,
  chatId: Id,
  title: z.string(),
  teacherName: z.string(),
  mode: ConsultationMode,
  place: z.string(),
  startsAt: Iso,
  endsAt: Iso,
  slotMinutes: z.number().int(),
  cutoffAt: Iso,
  isTeacher: z.boolean(),
  slots: z.array(ConsultationSlot),
  queue: z
    .object({ position: z.number().int().describe('0: it is your turn; 1: you are next; n: families before you'), slotId: Id })
    .nullable()
    .describe('My place in the queue, when my family has a slot'),
});
export type Consultation = z.infer<typeof Consultation>;
export const ConsultationQueue = z.object({
  consultationId: Id,
  startsAt: Iso,
  position: z.number().int().describe('Booked slots before this one not done yet: 0 your turn, 1 you are next'),
});
export type ConsultationQueue = z.infer<typeof ConsultationQueue>;
export const BookSlotBody = z.object({ slotId: Id });

/** Updates of the chat's stream (added to `Update`): each says "fetch again". */
export const MinutesUpdates = [
  z
    .object({ pos: z.number().int(), type: z.literal('meeting.agenda'), chatId: Id, meetingId: Id })
    .describe("A meeting's agenda or recorded decisions changed, or its minutes were published"),
  z
    .object({ pos: z.number().int(), type: z.literal('message.ack'), chatId: Id, messageId: Id })
    .describe('A confirmation was asked for, withdrawn or given: fetch the status again'),
  z
    .object({ pos: z.number().int(), type: z.literal('consultation.updated'), chatId: Id, consultationId: Id })
    .describe('Slots opened, booked, swapped, cancelled or done'),
] as const;
