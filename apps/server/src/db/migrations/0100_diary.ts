import type { Kysely } from 'kysely';
import { runStatements } from '../statements.ts';

/**
 * The diary (docs/subsystems/diary.md): reporting periods and holidays, subjects and who teaches
 * them (hung off `class_teachers`), bells, the weekly timetable with its per-date changes kept
 * beside it, the dated lessons it produces, homework, grades with their history, attendance,
 * absence notices, weekly sign-offs and calendar feeds.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE diary_settings (
      school_id uuid PRIMARY KEY REFERENCES schools(id) ON DELETE CASCADE,
      scale text NOT NULL DEFAULT '2-5' CHECK (scale IN ('2-5', '1-10', '1-100', 'pass')),
      period_kind text NOT NULL DEFAULT 'quarter' CHECK (period_kind IN ('quarter', 'trimester', 'semester'))
    );

    CREATE TABLE work_types (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
      name text NOT NULL,
      weight numeric(4,2) NOT NULL CHECK (weight > 0 AND weight <= 10),
      position int NOT NULL DEFAULT 0,
      archived_at timestamptz,
      UNIQUE (school_id, name)
    );

    CREATE TABLE reporting_periods (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
      academic_year_id uuid NOT NULL REFERENCES academic_years(id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN ('quarter', 'trimester', 'semester')),
      number int NOT NULL CHECK (number BETWEEN 1 AND 4),
      name text NOT NULL,
      starts_on date NOT NULL,
      ends_on date NOT NULL,
      CHECK (ends_on >= starts_on),
      UNIQUE (academic_year_id, number)
    );

    CREATE TABLE holidays (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
      academic_year_id uuid NOT NULL REFERENCES academic_years(id) ON DELETE CASCADE,
      name text NOT NULL,
      starts_on date NOT NULL,
      ends_on date NOT NULL,
      CHECK (ends_on >= starts_on)
    );
    CREATE INDEX holidays_year_idx ON holidays (academic_year_id);

    CREATE TABLE subjects (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
      name text NOT NULL,
      archived_at timestamptz,
      UNIQUE (school_id, name)
    );

    CREATE TABLE class_teacher_subjects (
      class_teacher_id uuid NOT NULL REFERENCES class_teachers(id) ON DELETE CASCADE,
      subject_id uuid NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
      PRIMARY KEY (class_teacher_id, subject_id)
    );
    CREATE INDEX class_teacher_subjects_subject_idx ON class_teacher_subjects (subject_id);

    INSERT INTO subjects (school_id, name)
      SELECT DISTINCT c.school_id, btrim(t.subject) FROM class_teachers t JOIN classes c ON c.id = t.class_id
      WHERE t.subject IS NOT NULL AND btrim(t.subject) <> '';

    INSERT INTO class_teacher_subjects (class_teacher_id, subject_id)
      SELECT t.id, s.id FROM class_teachers t JOIN classes c ON c.id = t.class_id
      JOIN subjects s ON s.school_id = c.school_id AND s.name = btrim(t.subject);

    CREATE TABLE subject_groups (
      class_id uuid NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
      subject_id uuid NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
      student_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      group_no int NOT NULL CHECK (group_no BETWEEN 1 AND 4),
      PRIMARY KEY (class_id, subject_id, student_id)
    );

    CREATE TABLE bells (
      school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
      shift int NOT NULL CHECK (shift IN (1, 2)),
      lesson_no int NOT NULL CHECK (lesson_no BETWEEN 0 AND 12),
      starts_at text NOT NULL CHECK (starts_at ~ '^[0-2][0-9]:[0-5][0-9]$'),
      ends_at text NOT NULL CHECK (ends_at ~ '^[0-2][0-9]:[0-5][0-9]$'),
      PRIMARY KEY (school_id, shift, lesson_no)
    );

    CREATE TABLE timetables (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      class_id uuid NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
      valid_from date NOT NULL,
      shift int NOT NULL DEFAULT 1 CHECK (shift IN (1, 2)),
      created_by uuid REFERENCES persons(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (class_id, valid_from)
    );

    CREATE TABLE timetable_slots (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      timetable_id uuid NOT NULL REFERENCES timetables(id) ON DELETE CASCADE,
      weekday int NOT NULL CHECK (weekday BETWEEN 1 AND 7),
      lesson_no int NOT NULL CHECK (lesson_no BETWEEN 0 AND 12),
      subject_id uuid NOT NULL REFERENCES subjects(id),
      teacher_id uuid REFERENCES persons(id) ON DELETE SET NULL,
      room text,
      group_no int CHECK (group_no BETWEEN 1 AND 4)
    );
    CREATE UNIQUE INDEX timetable_slots_uniq ON timetable_slots (timetable_id, weekday, lesson_no, coalesce(group_no, 0));

    CREATE TABLE timetable_changes (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      class_id uuid NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
      on_date date NOT NULL,
      lesson_no int NOT NULL CHECK (lesson_no BETWEEN 0 AND 12),
      group_no int CHECK (group_no BETWEEN 1 AND 4),
      kind text NOT NULL CHECK (kind IN ('substitution', 'cancellation', 'moved', 'room', 'added')),
      subject_id uuid REFERENCES subjects(id),
      teacher_id uuid REFERENCES persons(id) ON DELETE SET NULL,
      room text,
      to_date date,
      to_lesson_no int CHECK (to_lesson_no BETWEEN 0 AND 12),
      note text,
      created_by uuid REFERENCES persons(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX timetable_changes_uniq ON timetable_changes (class_id, on_date, lesson_no, coalesce(group_no, 0));
    CREATE INDEX timetable_changes_to_idx ON timetable_changes (class_id, to_date) WHERE to_date IS NOT NULL;

    CREATE TABLE lessons (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      class_id uuid NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
      subject_id uuid NOT NULL REFERENCES subjects(id),
      teacher_id uuid REFERENCES persons(id) ON DELETE SET NULL,
      on_date date NOT NULL,
      lesson_no int NOT NULL,
      group_no int,
      room text,
      cancelled boolean NOT NULL DEFAULT false,
      change_kind text CHECK (change_kind IN ('substitution', 'cancellation', 'moved', 'room', 'added')),
      topic text,
      work_type_id uuid REFERENCES work_types(id),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX lessons_slot_uniq ON lessons (class_id, on_date, lesson_no, coalesce(group_no, 0));
    CREATE INDEX lessons_subject_idx ON lessons (class_id, subject_id, on_date);
    CREATE INDEX lessons_teacher_idx ON lessons (teacher_id, on_date);

    CREATE TABLE homework (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      lesson_id uuid NOT NULL UNIQUE REFERENCES lessons(id) ON DELETE CASCADE,
      due_lesson_id uuid REFERENCES lessons(id) ON DELETE SET NULL,
      due_on date NOT NULL,
      text text NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
      file_ids uuid[] NOT NULL DEFAULT '{}',
      set_by uuid REFERENCES persons(id) ON DELETE SET NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX homework_due_idx ON homework (due_on);

    CREATE TABLE homework_done (
      homework_id uuid NOT NULL REFERENCES homework(id) ON DELETE CASCADE,
      student_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      done_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (homework_id, student_id)
    );

    CREATE TABLE grades (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      lesson_id uuid NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
      student_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      value text NOT NULL,
      work_type_id uuid REFERENCES work_types(id),
      comment text,
      set_by uuid REFERENCES persons(id) ON DELETE SET NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (lesson_id, student_id)
    );
    CREATE INDEX grades_student_idx ON grades (student_id);

    CREATE TABLE grade_changes (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
      lesson_id uuid NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
      student_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      old_value text,
      new_value text,
      changed_by uuid REFERENCES persons(id) ON DELETE SET NULL,
      changed_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX grade_changes_school_idx ON grade_changes (school_id, changed_at DESC);

    CREATE TABLE final_marks (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      academic_year_id uuid NOT NULL REFERENCES academic_years(id) ON DELETE CASCADE,
      period_id uuid REFERENCES reporting_periods(id) ON DELETE CASCADE,
      student_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      subject_id uuid NOT NULL REFERENCES subjects(id),
      value text NOT NULL,
      set_by uuid REFERENCES persons(id) ON DELETE SET NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX final_marks_uniq ON final_marks (academic_year_id, student_id, subject_id, coalesce(period_id, '00000000-0000-0000-0000-000000000000'::uuid));

    CREATE TABLE attendance (
      lesson_id uuid NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
      student_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      status text NOT NULL CHECK (status IN ('absent', 'ill', 'excused', 'late')),
      notice_id uuid,
      set_by uuid REFERENCES persons(id) ON DELETE SET NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (lesson_id, student_id)
    );
    CREATE INDEX attendance_student_idx ON attendance (student_id);

    CREATE TABLE absence_notices (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
      student_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      guardian_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      from_date date NOT NULL,
      to_date date NOT NULL,
      reason text NOT NULL CHECK (reason IN ('ill', 'family', 'other')),
      comment text,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK (to_date >= from_date)
    );
    CREATE INDEX absence_notices_student_idx ON absence_notices (student_id, from_date);

    CREATE TABLE diary_signoffs (
      student_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      guardian_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      week_start date NOT NULL,
      signed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (student_id, week_start, guardian_id)
    );

    CREATE TABLE calendar_feeds (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
      person_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      token_hash text NOT NULL UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz
    );
    CREATE UNIQUE INDEX calendar_feeds_one_live ON calendar_feeds (person_id) WHERE revoked_at IS NULL;
  `,
  );
}
