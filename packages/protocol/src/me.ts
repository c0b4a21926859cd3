import { z } from 'zod';
import { Locale } from './common.ts';
import { User } from './auth.ts';
import { MembershipSchool } from './directory.ts';

/** The signed-in account, with the schools it is linked to. An unlinked account has no schools. */
export const Me = z.object({
  user: User,
  schools: z.array(MembershipSchool),
});
export type Me = z.infer<typeof Me>;

export const UpdateProfileBody = z.object({
  lastName: z.string().trim().min(1).max(100).optional(),
  firstName: z.string().trim().min(1).max(100).optional(),
  middleName: z.string().trim().max(100).nullable().optional(),
  locale: Locale.optional(),
});
