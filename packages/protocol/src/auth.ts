import { z } from 'zod';
import { Iso, Locale } from './common.ts';

export const RequestCodeBody = z.object({
  phone: z.string().min(3).max(32).describe('Phone number in any common notation, e.g. +7 900 000-00-02 or 8 900 000 00 02'),
});
export const RequestCodeResponse = z.object({
  phone: z.string().describe('The number normalised to E.164'),
  expiresAt: Iso,
  resendAfter: Iso,
});

export const CreateSessionBody = z.object({
  phone: z.string().min(3).max(32),
  code: z.string().regex(/^\d{6}$/, 'six digits'),
  deviceName: z.string().max(100).optional(),
});

export const PhotoRef = z.object({
  id: z.uuid(),
  sizes: z.array(z.number().int()),
  url: z.string().describe('URL of the photo at a given size: replace {size} with one of sizes'),
});
export type PhotoRef = z.infer<typeof PhotoRef>;

export const User = z.object({
  id: z.uuid(),
  phone: z.string(),
  lastName: z.string().nullable(),
  firstName: z.string().nullable(),
  middleName: z.string().nullable(),
  birthDate: z.string().nullable(),
  photo: PhotoRef.nullable(),
  locale: Locale,
  isOperator: z.boolean(),
  createdAt: Iso,
});
export type User = z.infer<typeof User>;

export const CreateSessionResponse = z.object({
  token: z.string(),
  sessionId: z.uuid(),
  user: User,
});

export const Session = z.object({
  id: z.uuid(),
  deviceName: z.string().nullable(),
  userAgent: z.string().nullable(),
  ip: z.string().nullable(),
  createdAt: Iso,
  lastSeenAt: Iso,
  current: z.boolean(),
});
export const SessionList = z.object({ sessions: z.array(Session) });

export const DevSmsQuery = z.object({ phone: z.string() });
export const DevSmsResponse = z.object({
  messages: z.array(z.object({ phone: z.string(), text: z.string(), code: z.string().nullable(), sentAt: Iso })),
});

/** A school's session lifetime in days; null: the installation's default (given in `defaults`). */
export const SessionPolicyBody = z.object({
  idleDays: z.number().int().min(1).max(3650).nullable().describe('A session unused this long ends'),
  maxDays: z.number().int().min(1).max(3650).nullable().describe('A session ends this long after sign-in, however used'),
});
export const SessionPolicy = SessionPolicyBody.extend({
  defaults: z.object({ idleDays: z.number().int(), maxDays: z.number().int() }),
});
export type SessionPolicy = z.infer<typeof SessionPolicy>;
