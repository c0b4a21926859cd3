import type { Kysely } from 'kysely';
import { runStatements } from '../statements.ts';

/**
 * Identity, directory (roster) and the closed space.
 * Plain SQL that runs on PostgreSQL 15+ and on PGlite (PostgreSQL 18).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE instance_settings (
      key text PRIMARY KEY,
      value text NOT NULL
    );

    CREATE TABLE users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      phone text NOT NULL UNIQUE,
      last_name text,
      first_name text,
      middle_name text,
      birth_date date,
      photo_id uuid,
      locale text NOT NULL DEFAULT 'ru' CHECK (locale IN ('ru', 'en')),
      is_operator boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE auth_codes (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      phone text NOT NULL,
      code_hash text NOT NULL,
      attempts int NOT NULL DEFAULT 0,
      expires_at timestamptz NOT NULL,
      consumed_at timestamptz,
      ip text,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX auth_codes_phone_idx ON auth_codes (phone, created_at DESC);

    CREATE TABLE sessions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      token_hash text NOT NULL UNIQUE,
      device_name text,
      user_agent text,
      ip text,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_seen_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz
    );
    CREATE INDEX sessions_user_idx ON sessions (user_id);

    CREATE TABLE photos (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      sizes int[] NOT NULL,
      content_type text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE dev_sms_outbox (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      phone text NOT NULL,
      text text NOT NULL,
      code text,
      sent_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX dev_sms_outbox_phone_idx ON dev_sms_outbox (phone, id DESC);

    CREATE TABLE schools (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      short_name text,
      timezone text NOT NULL DEFAULT 'Europe/Moscow',
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE academic_years (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
      name text NOT NULL,
      starts_on date NOT NULL,
      ends_on date NOT NULL,
      is_current boolean NOT NULL DEFAULT false,
      CHECK (ends_on > starts_on),
      UNIQUE (school_id, name)
    );
    CREATE UNIQUE INDEX academic_years_one_current ON academic_years (school_id) WHERE is_current;

    CREATE TABLE classes (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
      academic_year_id uuid NOT NULL REFERENCES academic_years(id),
      name text NOT NULL,
      grade int NOT NULL,
      archived_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (academic_year_id, name)
    );
    CREATE INDEX classes_school_idx ON classes (school_id);

    CREATE TABLE persons (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
      last_name text NOT NULL,
      first_name text NOT NULL,
      middle_name text,
      roles text[] NOT NULL CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['student','guardian','teacher','admin']::text[]),
      birth_date date,
      phone text,
      user_id uuid REFERENCES users(id) ON DELETE SET NULL,
      linked_at timestamptz,
      archived_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX persons_school_idx ON persons (school_id);
    CREATE INDEX persons_phone_idx ON persons (phone) WHERE phone IS NOT NULL;
    CREATE UNIQUE INDEX persons_school_phone_uniq ON persons (school_id, phone) WHERE phone IS NOT NULL AND archived_at IS NULL;
    CREATE UNIQUE INDEX persons_school_user_uniq ON persons (school_id, user_id) WHERE user_id IS NOT NULL;
    CREATE INDEX persons_user_idx ON persons (user_id) WHERE user_id IS NOT NULL;

    CREATE TABLE enrolments (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      class_id uuid NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
      student_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      enrolled_at timestamptz NOT NULL DEFAULT now(),
      left_at timestamptz
    );
    CREATE UNIQUE INDEX enrolments_active_uniq ON enrolments (class_id, student_id) WHERE left_at IS NULL;
    CREATE INDEX enrolments_student_idx ON enrolments (student_id) WHERE left_at IS NULL;

    CREATE TABLE class_teachers (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      class_id uuid NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
      person_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      subject text,
      is_class_teacher boolean NOT NULL DEFAULT false,
      UNIQUE (class_id, person_id)
    );
    CREATE UNIQUE INDEX class_teachers_one_class_teacher ON class_teachers (class_id) WHERE is_class_teacher;
    CREATE INDEX class_teachers_person_idx ON class_teachers (person_id);

    CREATE TABLE guardianships (
      guardian_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      student_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      relation text,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (guardian_id, student_id),
      CHECK (guardian_id <> student_id)
    );
    CREATE INDEX guardianships_student_idx ON guardianships (student_id);

    CREATE TABLE invitations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
      person_id uuid NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      code_hash text NOT NULL UNIQUE,
      created_by uuid REFERENCES users(id) ON DELETE SET NULL,
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      used_by uuid REFERENCES users(id) ON DELETE SET NULL,
      revoked_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX invitations_school_idx ON invitations (school_id, created_at DESC);

    CREATE TABLE join_requests (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      last_name text NOT NULL,
      first_name text NOT NULL,
      middle_name text,
      role text NOT NULL,
      comment text,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','rejected','cancelled')),
      person_id uuid REFERENCES persons(id) ON DELETE SET NULL,
      decided_by uuid REFERENCES users(id) ON DELETE SET NULL,
      decided_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX join_requests_one_pending ON join_requests (school_id, user_id) WHERE status = 'pending';
  `,
  );
}
