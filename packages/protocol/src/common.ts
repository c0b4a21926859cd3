import { z } from 'zod';

/** Every error the API returns has this shape, with a stable machine-readable code. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const Id = z.uuid();
export const IdParam = z.object({ id: Id });
export const Iso = z.string().describe('ISO 8601 timestamp');
export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .describe('YYYY-MM-DD');

export const Locale = z.enum(['ru', 'en']);
export type Locale = z.infer<typeof Locale>;

/** Roles a person can hold in a school. */
export const SchoolRole = z.enum(['student', 'guardian', 'teacher', 'admin']);
export type SchoolRole = z.infer<typeof SchoolRole>;

export const PersonName = z.object({
  lastName: z.string().trim().min(1).max(100),
  firstName: z.string().trim().min(1).max(100),
  middleName: z.string().trim().max(100).nullable().optional(),
});
