import { z } from 'zod';
import { Id, Iso, IsoDate } from './common.ts';

/** The diary: timetable, lessons, homework, grades, attendance (docs/subsystems/diary.md). */

export const GradeScale = z.enum(['2-5', '1-10', '1-100', 'pass']);
export type GradeScale = z.infer<typeof GradeScale>;
export const PeriodKind = z.enum(['quarter', 'trimester', 'semester']);
export const AttendanceStatus = z.enum(['absent', 'ill', 'excused', 'late']);
export type AttendanceStatus = z.infer<typeof AttendanceStatus>;
export const ChangeKind = z.enum(['substitution', 'cancellation', 'moved', 'room', 'added']);
const Hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/);
const Text = (max: number) => z.string().trim().min(1).max(max);

/** A grade's value: a number of the school's scale as text, `pass` / `fail`, or `debt` (долг: work not handed in). */
export const GradeValue = z.string().trim().min(1).max(8);

export const WorkType = z.object({ id: Id, name: z.string(), weight: z.number() });
export const ReportingPeriod = z.object({
  id: Id,
  academicYearId: Id,
  kind: PeriodKind,
  number: z.number().int(),
  name: z.string(),
  startsOn: IsoDate,
  endsOn: IsoDate,
});
export type ReportingPeriod = z.infer<typeof ReportingPeriod>;
export const Holiday = z.object({ id: Id, name: z.string(), startsOn: IsoDate, endsOn: IsoDate });
export const Subject = z.object({ id: Id, name: z.string() });
export const Bell = z.object({ shift: z.number().int(), lessonNo: z.number().int(), startsAt: Hhmm, endsAt: Hhmm });
export const Teaching = z.object({ classId: Id, className: z.string(), subjectId: Id, subjectName: z.string(), personId: Id, isClassTeacher: z.boolean() });
export type Teaching = z.infer<typeof Teaching>;

export const DiarySettings = z.object({
  scale: GradeScale,
  periodKind: PeriodKind,
  workTypes: z.array(WorkType),
  periods: z.array(ReportingPeriod),
  holidays: z.array(Holiday),
  subjects: z.array(Subject),
  bells: z.array(Bell),
  teaching: z.array(Teaching).describe('Teacher–subject–class links of the school'),
});
export type DiarySettings = z.infer<typeof DiarySettings>;

export const UpdateDiarySettingsBody = z.object({ scale: GradeScale.optional(), periodKind: PeriodKind.optional() });
export const WorkTypesBody = z.object({
  workTypes: z
    .array(z.object({ id: Id.optional(), name: Text(60), weight: z.number().positive().max(10) }))
    .min(1)
    .max(30),
});
export const PeriodsBody = z.object({
  academicYearId: Id.optional(),
  kind: PeriodKind,
  periods: z
    .array(z.object({ name: Text(40), startsOn: IsoDate, endsOn: IsoDate }))
    .min(1)
    .max(4),
  holidays: z
    .array(z.object({ name: Text(60), startsOn: IsoDate, endsOn: IsoDate }))
    .max(20)
    .default([]),
});
export const BellsBody = z.object({ bells: z.array(Bell).max(30) });
export const SubjectBody = z.object({ name: Text(80) });
export const TeachingBody = z.object({ personId: Id, subjectId: Id });
export const GroupsBody = z.object({
  subjectId: Id,
  groups: z.array(z.object({ groupNo: z.number().int().min(1).max(4), studentIds: z.array(Id).max(60) })).max(4),
});

export const SlotInput = z.object({
  weekday: z.number().int().min(1).max(7),
  lessonNo: z.number().int().min(0).max(12),
  subjectId: Id,
  teacherId: Id.nullable().optional(),
  room: z.string().trim().max(20).nullable().optional(),
  groupNo: z.number().int().min(1).max(4).nullable().optional(),
});
export const TimetableBody = z.object({ validFrom: IsoDate, shift: z.number().int().min(1).max(2).default(1), slots: z.array(SlotInput).max(120) });
export const TimetableChangeBody = z.object({
  date: IsoDate,
  lessonNo: z.number().int().min(0).max(12),
  groupNo: z.number().int().min(1).max(4).nullable().optional(),
  kind: ChangeKind,
  subjectId: Id.nullable().optional().describe('substitution / added: the subject taught instead'),
  teacherId: Id.nullable().optional().describe('substitution / added: who teaches'),
  room: z.string().trim().max(20).nullable().optional(),
  toDate: IsoDate.nullable().optional().describe('moved: the new date'),
  toLessonNo: z.number().int().min(0).max(12).nullable().optional().describe('moved: the new lesson number'),
  note: z.string().trim().max(200).nullable().optional(),
});
export const TimetableChange = z.object({
  id: Id,
  date: IsoDate,
  lessonNo: z.number().int(),
  groupNo: z.number().int().nullable(),
  kind: ChangeKind,
  subjectId: Id.nullable(),
  teacherId: Id.nullable(),
  room: z.string().nullable(),
  toDate: IsoDate.nullable(),
  toLessonNo: z.number().int().nullable(),
  note: z.string().nullable(),
});

export const PersonRef = z.object({ id: Id, name: z.string() });
export const HomeworkFile = z.object({ id: Id, name: z.string(), size: z.number() });
export const Homework = z.object({
  id: Id,
  lessonId: Id,
  subjectId: Id,
  subjectName: z.string(),
  text: z.string(),
  files: z.array(HomeworkFile),
  dueOn: IsoDate,
  dueLessonId: Id.nullable(),
  setOn: IsoDate,
  teacher: PersonRef.nullable(),
  done: z.boolean().nullable().describe("The student's own tick; null for whoever is not a student of it"),
});
export type Homework = z.infer<typeof Homework>;

export const Lesson = z.object({
  id: Id,
  classId: Id,
  subjectId: Id,
  subjectName: z.string(),
  teacher: PersonRef.nullable(),
  date: IsoDate,
  lessonNo: z.number().int(),
  groupNo: z.number().int().nullable(),
  room: z.string().nullable(),
  startsAt: z.string().nullable(),
  endsAt: z.string().nullable(),
  cancelled: z.boolean(),
  changed: ChangeKind.nullable().describe('The change of that date, if any'),
  topic: z.string().nullable(),
  workTypeId: Id.nullable(),
  homework: Homework.nullable().describe('Homework set at this lesson'),
});
export type Lesson = z.infer<typeof Lesson>;

export const Grade = z.object({
  lessonId: Id,
  studentId: Id,
  value: GradeValue,
  workTypeId: Id.nullable(),
  weight: z.number(),
  comment: z.string().nullable(),
  date: IsoDate,
  subjectId: Id,
  updatedAt: Iso,
});
export type Grade = z.infer<typeof Grade>;
export const LessonAttendance = z.object({ lessonId: Id, studentId: Id, status: AttendanceStatus, fromNotice: z.boolean() });
export type LessonAttendance = z.infer<typeof LessonAttendance>;
export const FinalMark = z.object({ studentId: Id, subjectId: Id, periodId: Id.nullable(), value: z.string() });

export const JournalQuery = z.object({ classId: Id, subjectId: Id, periodId: Id.optional(), groupNo: z.coerce.number().int().min(1).max(4).optional() });
export const JournalStudent = z.object({
  id: Id,
  lastName: z.string(),
  firstName: z.string(),
  average: z.number().nullable(),
  finalMark: z.string().nullable(),
});
export const Journal = z.object({
  classId: Id,
  className: z.string(),
  subject: Subject,
  period: ReportingPeriod.nullable(),
  scale: GradeScale,
  workTypes: z.array(WorkType),
  students: z.array(JournalStudent),
  lessons: z.array(Lesson),
  grades: z.array(Grade),
  attendance: z.array(LessonAttendance),
  canEdit: z.boolean(),
  canMarkAttendance: z.boolean(),
});
export type Journal = z.infer<typeof Journal>;

export const LessonPatchBody = z.object({ topic: z.string().trim().max(300).nullable().optional(), workTypeId: Id.nullable().optional() });
export const HomeworkBody = z.object({ text: Text(4000), fileIds: z.array(Id).max(10).default([]), dueLessonId: Id.nullable().optional() });
export const GradeBody = z.object({ value: GradeValue, workTypeId: Id.nullable().optional(), comment: z.string().trim().max(300).nullable().optional() });
export const AttendanceBody = z.object({
  marks: z
    .array(z.object({ studentId: Id, status: AttendanceStatus.nullable() }))
    .min(1)
    .max(60),
});
export const FinalMarkBody = z.object({ studentId: Id, subjectId: Id, periodId: Id.nullable(), value: GradeValue });

export const GradeChange = z.object({
  lessonId: Id,
  studentId: Id,
  studentName: z.string(),
  subjectName: z.string(),
  date: IsoDate,
  oldValue: z.string().nullable(),
  newValue: z.string().nullable(),
  changedBy: PersonRef.nullable(),
  changedAt: Iso,
});
export const GradeHistory = z.object({ changes: z.array(GradeChange) });

export const WeekQuery = z.object({ date: IsoDate.optional() });
export const DiaryWeek = z.object({
  student: z.object({ id: Id, lastName: z.string(), firstName: z.string(), classId: Id.nullable(), className: z.string().nullable() }),
  weekStart: IsoDate,
  scale: GradeScale,
  days: z.array(z.object({ date: IsoDate, holiday: z.string().nullable(), lessons: z.array(Lesson) })),
  homeworkDue: z.array(Homework),
  grades: z.array(Grade),
  attendance: z.array(LessonAttendance),
  signedOff: z.boolean(),
});
export type DiaryWeek = z.infer<typeof DiaryWeek>;

export const PeriodQuery = z.object({ periodId: Id.optional() });
export const SubjectGrades = z.object({
  subject: Subject,
  teacher: PersonRef.nullable(),
  grades: z.array(Grade),
  average: z.number().nullable(),
  trend: z.array(z.number()).describe('The weighted average after each grade, in date order'),
  finalMark: z.string().nullable(),
});
export const DiaryGrades = z.object({ period: ReportingPeriod.nullable(), scale: GradeScale, workTypes: z.array(WorkType), subjects: z.array(SubjectGrades) });
export type DiaryGrades = z.infer<typeof DiaryGrades>;
export const HomeworkList = z.object({ homework: z.array(Homework) });
export const HomeworkDoneBody = z.object({ done: z.boolean() });
export const AttendanceSummary = z.object({
  period: ReportingPeriod.nullable(),
  lessons: z.number().int(),
  counts: z.object({ absent: z.number().int(), ill: z.number().int(), excused: z.number().int(), late: z.number().int() }),
  marks: z.array(LessonAttendance.extend({ date: IsoDate, subjectName: z.string() })),
});

export const AbsenceBody = z.object({
  fromDate: IsoDate,
  toDate: IsoDate,
  reason: z.enum(['ill', 'family', 'other']),
  comment: z.string().trim().max(300).nullable().optional(),
});
export const AbsenceNotice = z.object({
  id: Id,
  studentId: Id,
  studentName: z.string(),
  guardianName: z.string(),
  fromDate: IsoDate,
  toDate: IsoDate,
  reason: z.enum(['ill', 'family', 'other']),
  comment: z.string().nullable(),
  lessonsExcused: z.number().int(),
  createdAt: Iso,
});
export type AbsenceNotice = z.infer<typeof AbsenceNotice>;
export const AbsenceList = z.object({ notices: z.array(AbsenceNotice) });
export type AbsenceList = z.infer<typeof AbsenceList>;
export const SignoffBody = z.object({ weekStart: IsoDate });
export const SignoffOverview = z.object({
  weekStart: IsoDate,
  families: z.array(z.object({ studentId: Id, studentName: z.string(), signedBy: z.array(PersonRef), signedAt: Iso.nullable() })),
});
export type SignoffOverview = z.infer<typeof SignoffOverview>;
export const CalendarFeed = z.object({ url: z.string() });

/** Diary events in the update stream, each sent to the accounts it concerns. */
export const DiaryUpdates = [
  z
    .object({
      pos: z.number().int(),
      type: z.literal('diary.grade'),
      schoolId: Id,
      classId: Id,
      subjectId: Id,
      lessonId: Id,
      studentId: Id,
      grade: Grade.nullable(),
    })
    .describe('A grade was set, changed or removed (null)'),
  z.object({
    pos: z.number().int(),
    type: z.literal('diary.attendance'),
    schoolId: Id,
    classId: Id,
    subjectId: Id,
    lessonId: Id,
    marks: z.array(z.object({ studentId: Id, status: AttendanceStatus.nullable() })),
  }),
  z
    .object({ pos: z.number().int(), type: z.literal('diary.lesson'), schoolId: Id, classId: Id, subjectId: Id, lessonId: Id })
    .describe("A lesson's topic or work type changed: fetch again"),
  z
    .object({
      pos: z.number().int(),
      type: z.literal('diary.homework'),
      schoolId: Id,
      classId: Id,
      subjectId: Id,
      lessonId: Id,
      homeworkId: Id.nullable(),
      dueOn: IsoDate.nullable(),
    })
    .describe('Homework set, changed or removed (null)'),
  z
    .object({
      pos: z.number().int(),
      type: z.literal('diary.absence'),
      schoolId: Id,
      classId: Id,
      studentId: Id,
      noticeId: Id,
      fromDate: IsoDate,
      toDate: IsoDate,
    })
    .describe('A guardian announced an absence; to the class teacher and the family'),
  z.object({ pos: z.number().int(), type: z.literal('diary.signoff'), schoolId: Id, classId: Id, studentId: Id, weekStart: IsoDate }),
  z
    .object({ pos: z.number().int(), type: z.literal('diary.timetable'), schoolId: Id, classId: Id })
    .describe("The class's timetable or a change of it: fetch again"),
] as const;
