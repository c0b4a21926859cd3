/**
 * The one shape every format parses to (docs/subsystems/import.md). The planner reads only this;
 * a format never touches the database. Every item carries where it came from, so a refusal
 * names the file, line and column.
 */
export interface SourceRef {
  file: string;
  line: number;
  column?: string;
}

export type ImportRole = 'student' | 'guardian' | 'teacher';

export interface InputClass {
  /** The key people refer to the class by: its source id, else its name. */
  key: string;
  sourceId: string | null;
  name: string;
  grade: number | null;
  ref: SourceRef;
}

export interface InputPerson {
  /** Unique within the input: the source id, else a key the format builds (phone, name and row). */
  key: string;
  sourceId: string | null;
  lastName: string;
  firstName: string;
  middleName: string | null;
  roles: ImportRole[];
  birthDate: string | null;
  phone: string | null;
  /** A student's class (an InputClass key). */
  classKey: string | null;
  ref: SourceRef;
}

export interface InputGuardianship {
  guardianKey: string;
  studentKey: string;
  relation: string | null;
  ref: SourceRef;
  /** Neither side's role is in the file (a delta): the planner tells the child by the roster. */
  either?: true;
}

export interface InputTeaching {
  teacherKey: string;
  classKey: string;
  subjects: string[];
  isClassTeacher: boolean;
  ref: SourceRef;
}

/** A mark from the e-journal's gradebook (OneRoster lineItems + results). */
export interface InputGrade {
  sourceId: string;
  studentKey: string;
  classKey: string;
  subject: string;
  date: string;
  value: string;
  ref: SourceRef;
}

/** What a delta export says is gone (status=tobedeleted). */
export interface InputDeletions {
  personKeys: { key: string; ref: SourceRef }[];
  classKeys: { key: string; ref: SourceRef }[];
  /** A student leaves a class. */
  enrolments: { studentKey: string; classKey: string; ref: SourceRef }[];
}

/** A problem found while reading: the whole run is refused while any is present. */
export interface InputIssue {
  code: ImportIssueCode;
  ref: SourceRef;
  params?: Record<string, string | number>;
}

export type ImportIssueCode =
  | 'bad_date'
  | 'bad_phone'
  | 'missing_value'
  | 'missing_column'
  | 'missing_file'
  | 'unknown_class'
  | 'unknown_person'
  | 'guardian_without_child'
  | 'duplicate_phone'
  | 'student_on_adult_phone'
  | 'phone_taken'
  | 'ambiguous_match'
  | 'duplicate_id'
  | 'bad_encoding'
  | 'bad_file'
  | 'bad_role'
  | 'bad_grade'
  | 'too_young'
  | 'class_without_grade'
  | 'no_lesson';

export interface ImportInput {
  format: 'oneroster' | 'template';
  mode: 'bulk' | 'delta';
  /** The roles whose people the file lists in full (bulk): people of these roles missing from it leave. */
  coveredRoles: ImportRole[];
  classes: InputClass[];
  people: InputPerson[];
  guardianships: InputGuardianship[];
  teachings: InputTeaching[];
  /** Enrolments of students the file does not list (a delta that moves someone already imported). */
  enrolments: { studentKey: string; classKey: string; ref: SourceRef }[];
  grades: InputGrade[];
  deletions: InputDeletions;
  issues: InputIssue[];
}

export function emptyInput(format: ImportInput['format'], mode: ImportInput['mode'] = 'bulk'): ImportInput {
  return {
    format,
    mode,
    coveredRoles: [],
    classes: [],
    people: [],
    guardianships: [],
    teachings: [],
    enrolments: [],
    grades: [],
    deletions: { personKeys: [], classKeys: [], enrolments: [] },
    issues: [],
  };
}
