import { z } from 'zod';
import { Id, Iso, IsoDate, PersonName, SchoolRole } from './common.ts';

export const School = z.object({
  id: Id,
  name: z.string(),
  shortName: z.string().nullable(),
  timezone: z.string(),
  createdAt: Iso,
});
export type School = z.infer<typeof School>;

export const CreateSchoolBody = z.object({
  name: z.string().trim().min(2).max(200),
  shortName: z.string().trim().max(60).optional(),
  timezone: z.string().default('Europe/Moscow'),
  admin: PersonName.extend({ phone: z.string().min(3).max(32) }),
});

export const AcademicYear = z.object({
  id: Id,
  name: z.string(),
  startsOn: IsoDate,
  endsOn: IsoDate,
  isCurrent: z.boolean(),
});
export const CreateAcademicYearBody = z.object({
  name: z.string().trim().min(4).max(40),
  startsOn: IsoDate,
  endsOn: IsoDate,
  isCurrent: z.boolean().default(false),
});

export const ClassTeacherRef = z.object({ personId: Id, subject: z.string().nullable(), isClassTeacher: z.boolean() });

export const SchoolClass = z.object({
  id: Id,
  schoolId: Id,
  academicYearId: Id,
  name: z.string(),
  grade: z.number().int(),
  studentCount: z.number().int(),
  teachers: z.array(ClassTeacherRef),
});
export type SchoolClass = z.infer<typeof SchoolClass>;

export const CreateClassBody = z.object({
  name: z.string().trim().min(1).max(20).describe('e.g. "5А"'),
  grade: z.number().int().min(0).max(12).optional().describe('Derived from the name when omitted'),
  academicYearId: Id.optional().describe('The current academic year when omitted'),
});
export const UpdateClassBody = z
  .object({ name: z.string().trim().min(1).max(20).optional(), grade: z.number().int().min(0).max(12).optional() })
  .refine((b) => b.name !== undefined || b.grade !== undefined, { message: 'nothing to change: give name or grade' });

export const Person = z.object({
  id: Id,
  schoolId: Id,
  lastName: z.string(),
  firstName: z.string(),
  middleName: z.string().nullable(),
  roles: z.array(SchoolRole),
  birthDate: IsoDate.nullable(),
  phone: z.string().nullable().describe('Visible to school admins and class teachers only'),
  linked: z.boolean().describe('Whether an account is linked to this person'),
  classIds: z.array(Id).describe('For students: the classes they are enrolled in'),
  childIds: z.array(Id).describe('For guardians: their children'),
  guardianIds: z.array(Id).describe('For students: their guardians'),
});
export type Person = z.infer<typeof Person>;

export const CreatePersonBody = PersonName.extend({
  roles: z.array(SchoolRole).min(1),
  birthDate: IsoDate.nullable().optional(),
  phone: z.string().min(3).max(32).nullable().optional(),
  classId: Id.optional().describe('For students: enrol them in this class at once'),
  childIds: z.array(Id).optional().describe('For guardians: link them to these students at once'),
});
export const UpdatePersonBody = PersonName.partial().extend({
  roles: z.array(SchoolRole).min(1).optional(),
  birthDate: IsoDate.nullable().optional(),
  phone: z.string().min(3).max(32).nullable().optional(),
});
/** At most this many people in one answer; `total` and `offset` page through the rest. */
export const PEOPLE_PAGE = 1000;
export const PersonList = z.object({
  people: z.array(Person),
  total: z.number().int().optional().describe('How many people match in all; fetch again with offset while fewer were received'),
});
export const PeopleQuery = z.object({
  role: SchoolRole.optional(),
  classId: Id.optional(),
  q: z.string().max(100).optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(PEOPLE_PAGE).default(PEOPLE_PAGE),
});

export const EnrolBody = z.object({ studentId: Id });
export const GuardianshipBody = z.object({ guardianId: Id, studentId: Id, relation: z.string().max(40).optional() });
export const AssignTeacherBody = z.object({
  personId: Id,
  subject: z.string().trim().max(100).nullable().optional(),
  isClassTeacher: z.boolean().default(false),
});

export const MembershipSchool = z.object({
  school: School,
  personId: Id,
  roles: z.array(SchoolRole),
  classes: z.array(z.object({ id: Id, name: z.string(), as: z.enum(['student', 'class_teacher', 'teacher', 'guardian']) })),
  children: z.array(z.object({ personId: Id, lastName: z.string(), firstName: z.string(), classIds: z.array(Id) })),
});
