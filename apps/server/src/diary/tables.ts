import type { ColumnType, Generated } from 'kysely';
import type { NullableTimestamp } from '../identity/tables.ts';

type Num = ColumnType<number, number | string, number | string>;
type Stamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type Scale = '2-5' | '1-10' | '1-100' | 'pass';
export type PeriodKind = 'quarter' | 'trimester' | 'semester';
export type AttendanceStatus = 'absent' | 'ill' | 'excused' | 'late';
export type ChangeKind = 'substitution' | 'cancellation' | 'moved' | 'room' | 'added';

export interface DiaryTables {
  diary_settings: { school_id: string; scale: Generated<Scale>; period_kind: Generated<PeriodKind> };
  work_types: { id: Generated<string>; school_id: string; name: string; weight: Num; position: Generated<number>; archived_at: NullableTimestamp };
  reporting_periods: {
    id: Generated<string>;
    school_id: string;
    academic_year_id: string;
    kind: PeriodKind;
    number: number;
    name: string;
    starts_on: string;
    ends_on: string;
  };
  holidays: { id: Generated<string>; school_id: string; academic_year_id: string; name: string; starts_on: string; ends_on: string };
  subjects: { id: Generated<string>; school_id: string; name: string; archived_at: NullableTimestamp };
  class_teacher_subjects: { class_teacher_id: string; subject_id: string };
  subject_groups: { class_id: string; subject_id: string; student_id: string; group_no: number };
  bells: { school_id: string; shift: number; lesson_no: number; starts_at: string; ends_at: string };
  timetables: { id: Generated<string>; class_id: string; valid_from: string; shift: Generated<number>; created_by: string | null; created_at: Generated<Date> };
  timetable_slots: {
    id: Generated<string>;
    timetable_id: string;
    weekday: number;
    lesson_no: number;
    subject_id: string;
    teacher_id: string | null;
    room: string | null;
    group_no: number | null;
  };
  timetable_changes: {
    id: Generated<string>;
    class_id: string;
    on_date: string;
    lesson_no: number;
    group_no: number | null;
    kind: ChangeKind;
    subject_id: string | null;
    teacher_id: string | null;
    room: string | null;
    to_date: string | null;
    to_lesson_no: number | null;
    note: string | null;
    created_by: string | null;
    created_at: Generated<Date>;
  };
  lessons: {
    id: Generated<string>;
    class_id: string;
    subject_id: string;
    teacher_id: string | null;
    on_date: string;
    lesson_no: number;
    group_no: number | null;
    room: string | null;
    cancelled: Generated<boolean>;
    change_kind: ChangeKind | null;
    topic: string | null;
    work_type_id: string | null;
    updated_at: Stamp;
  };
  homework: {
    id: Generated<string>;
    lesson_id: string;
    due_lesson_id: string | null;
    due_on: string;
    text: string;
    file_ids: Generated<string[]>;
    set_by: string | null;
    updated_at: Stamp;
  };
  homework_done: { homework_id: string; student_id: string; done_at: Generated<Date> };
  grades: {
    id: Generated<string>;
    lesson_id: string;
    student_id: string;
    value: string;
    work_type_id: string | null;
    comment: string | null;
    set_by: string | null;
    updated_at: Stamp;
  };
  grade_changes: {
    id: Generated<number>;
    school_id: string;
    lesson_id: string;
    student_id: string;
    old_value: string | null;
    new_value: string | null;
    changed_by: string | null;
    changed_at: Generated<Date>;
  };
  final_marks: {
    id: Generated<string>;
    academic_year_id: string;
    period_id: string | null;
    student_id: string;
    subject_id: string;
    value: string;
    set_by: string | null;
    updated_at: Stamp;
  };
  attendance: { lesson_id: string; student_id: string; status: AttendanceStatus; notice_id: string | null; set_by: string | null; updated_at: Stamp };
  absence_notices: {
    id: Generated<string>;
    school_id: string;
    student_id: string;
    guardian_id: string;
    from_date: string;
    to_date: string;
    reason: 'ill' | 'family' | 'other';
    comment: string | null;
    created_at: Generated<Date>;
  };
  diary_signoffs: { student_id: string; guardian_id: string; week_start: string; signed_at: Generated<Date> };
  calendar_feeds: {
    id: Generated<string>;
    school_id: string;
    person_id: string;
    token_hash: string;
    created_at: Generated<Date>;
    revoked_at: NullableTimestamp;
  };
}
