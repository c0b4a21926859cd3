import { z } from 'zod';
import { Id, Iso, SchoolRole } from './common.ts';

export const Invitation = z.object({
  id: Id,
  schoolId: Id,
  personId: Id,
  personName: z.string(),
  expiresAt: Iso,
  createdAt: Iso,
  usedAt: Iso.nullable(),
  revokedAt: Iso.nullable(),
});
export const CreateInvitationBody = z.object({
  personId: Id,
  ttlHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(72),
});
export const CreatedInvitation = Invitation.extend({
  code: z.string().describe('Shown once: give it to the person, on paper or by message'),
  link: z.string(),
});
export const InvitationList = z.object({ invitations: z.array(Invitation) });
export const RedeemInvitationBody = z.object({ code: z.string().min(4).max(40) });

export const JoinRequestStatus = z.enum(['pending', 'approved', 'rejected', 'cancelled']);
export const JoinRequest = z.object({
  id: Id,
  schoolId: Id,
  userId: Id,
  phone: z.string(),
  lastName: z.string(),
  firstName: z.string(),
  middleName: z.string().nullable(),
  role: SchoolRole,
  comment: z.string().nullable(),
  status: JoinRequestStatus,
  personId: Id.nullable(),
  createdAt: Iso,
  decidedAt: Iso.nullable(),
});
export const CreateJoinRequestBody = z.object({
  schoolId: Id,
  lastName: z.string().trim().min(1).max(100),
  firstName: z.string().trim().min(1).max(100),
  middleName: z.string().trim().max(100).nullable().optional(),
  role: SchoolRole,
  comment: z.string().trim().max(500).nullable().optional().describe('e.g. "mother of Ivanov Petya, 5А"'),
});
export const ApproveJoinRequestBody = z.object({ personId: Id });
export const JoinRequestList = z.object({ joinRequests: z.array(JoinRequest) });
export const PublicSchoolList = z.object({ schools: z.array(z.object({ id: Id, name: z.string() })) });
