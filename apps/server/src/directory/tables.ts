import type { Generated } from 'kysely';
import type { NullableTimestamp } from '../identity/tables.ts';
import type { SchoolRole } from '@parta/protocol';

export interface SchoolsTable {
  id: Generated<string>;
  name: string;
  short_name: string | null;
  timezone: Generated<string>;
  created_at: Generated<Date>;
  /** Session lifetime of the school's people (identity/sessions.ts); null: the installation's default. */
  session_idle_days: number | null;
  session_max_days: number | null;
}

export interface AcademicYearsTable {
  id: Generated<string>;
  school_id: string;
  name: string;
  starts_on: string;
  ends_on: string;
  is_current: Generated<boolean>;
}

export interface ClassesTable {
  id: Generated<string>;
  school_id: string;
  academic_year_id: string;
  name: string;
  grade: number;
  archived_at: NullableTimestamp;
  created_at: Generated<Date>;
  /** The class's id in the school's e-journal (import/), unique per academic year. */
  source_id: Generated<string | null>;
}

export interface PersonsTable {
  id: Generated<string>;
  school_id: string;
  last_name: string;
  first_name: string;
  middle_name: string | null;
  roles: SchoolRole[];
  birth_date: string | null;
  phone: string | null;
  user_id: string | null;
  linked_at: NullableTimestamp;
  archived_at: NullableTimestamp;
  created_at: Generated<Date>;
  /** The person's id in the school's e-journal (import/), unique per school; e-journal sign-in links by it. */
  source_id: Generated<string | null>;
}

export interface EnrolmentsTable {
  id: Generated<string>;
  class_id: string;
  student_id: string;
  enrolled_at: Generated<Date>;
  left_at: NullableTimestamp;
}

export interface ClassTeachersTable {
  id: Generated<string>;
  class_id: string;
  person_id: string;
  subject: string | null;
  is_class_teacher: Generated<boolean>;
}

export interface GuardianshipsTable {
  guardian_id: string;
  student_id: string;
  relation: string | null;
  created_at: Generated<Date>;
}

export interface DirectoryTables {
  schools: SchoolsTable;
  academic_years: AcademicYearsTable;
  classes: ClassesTable;
  persons: PersonsTable;
  enrolments: EnrolmentsTable;
  class_teachers: ClassTeachersTable;
  guardianships: GuardianshipsTable;
}
