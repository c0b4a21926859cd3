import { stringify } from 'csv-stringify/sync';
import type { Attendance, Locale } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import type { Queryable } from '../db/schema.ts';
import { fullName } from '../directory/rules.ts';
import { t, type MessageKey } from '../i18n/messages.ts';
import type { ChatAccess } from '../messaging/access.ts';
import type { MeetingRow } from './service.ts';
import { checkController } from './host.ts';

/**
 * Attendance of a meeting: joins and leaves per participant (`meeting_attendance`, written by
 * joining, leaving, removal and the presence sweep in service.ts), summed per person, and the
 * families of the chat's class of whom nobody came. Shown to the host and staff, exported as CSV.
 */

/** Who attended and for how long; which families (a student and their guardians) did not come at all. */
export async function attendance(ctx: AppContext, meeting: MeetingRow, access: ChatAccess, now = new Date()): Promise<Attendance> {
  if (!access.isStaff) await checkController(ctx, meeting, access.person.id);
  return attendanceOf(ctx.db, meeting, now);
}

export async function attendanceOf(db: Queryable, meeting: MeetingRow, now = new Date()): Promise<Attendance> {
  const rows = await db
    .selectFrom('meeting_attendance')
    .innerJoin('persons', 'persons.id', 'meeting_attendance.person_id')
    .select([
      'meeting_attendance.person_id',
      'meeting_attendance.joined_at',
      'meeting_attendance.left_at',
      'meeting_attendance.removed',
      'persons.last_name',
      'persons.first_name',
      'persons.middle_name',
      'persons.roles',
    ])
    .where('meeting_id', '=', meeting.id)
    .orderBy('meeting_attendance.joined_at')
    .execute();
  const byPerson = new Map<string, Attendance['attended'][number]>();
  for (const r of rows) {
    const end = r.left_at ?? now;
    const cur = byPerson.get(r.person_id) ?? {
      personId: r.person_id,
      name: fullName(r),
      roles: r.roles,
      firstJoinedAt: r.joined_at.toISOString(),
      lastLeftAt: null,
      seconds: 0,
      sessions: 0,
      removed: false,
    };
    cur.seconds += Math.max(0, Math.round((end.getTime() - r.joined_at.getTime()) / 1000));
    cur.sessions += 1;
    cur.lastLeftAt = r.left_at ? r.left_at.toISOString() : null;
    cur.removed = r.removed;
    byPerson.set(r.person_id, cur);
  }
  const attended = new Set(byPerson.keys());
  const members = await db
    .selectFrom('chat_members')
    .innerJoin('persons', 'persons.id', 'chat_members.person_id')
    .select(['persons.id', 'persons.last_name', 'persons.first_name', 'persons.middle_name', 'persons.roles'])
    .where('chat_members.chat_id', '=', meeting.chat_id)
    .where('chat_members.left_at', 'is', null)
    .execute();
  const memberIds = members.map((m) => m.id);
  // Families: students who are members, and the children of guardians who are members.
  const links = memberIds.length
    ? await db
        .selectFrom('guardianships')
        .select(['guardian_id', 'student_id'])
        .where((eb) => eb.or([eb('guardian_id', 'in', memberIds), eb('student_id', 'in', memberIds)]))
        .execute()
    : [];
  const chat = await db.selectFrom('chats').select(['class_id', 'kind']).where('id', '=', meeting.chat_id).executeTakeFirstOrThrow();
  // A class's chats: every enrolled student's family counts, signed in or not.
  const enrolled =
    chat.class_id && ['class', 'parents', 'parents_only'].includes(chat.kind)
      ? await db.selectFrom('enrolments').select('student_id').where('class_id', '=', chat.class_id).where('left_at', 'is', null).execute()
      : [];
  const classLinks = enrolled.length
    ? await db
        .selectFrom('guardianships')
        .select(['guardian_id', 'student_id'])
        .where(
          'student_id',
          'in',
          enrolled.map((e) => e.student_id),
        )
        .execute()
    : [];
  links.push(...classLinks.filter((l) => !links.some((x) => x.guardian_id === l.guardian_id && x.student_id === l.student_id)));
  const studentIds = new Set([
    ...enrolled.map((e) => e.student_id),
    ...members.filter((m) => m.roles.includes('student')).map((m) => m.id),
    ...links.filter((l) => memberIds.includes(l.guardian_id)).map((l) => l.student_id),
  ]);
  const people =
    studentIds.size || links.length
      ? await db
          .selectFrom('persons')
          .select(['id', 'last_name', 'first_name', 'middle_name'])
          .where('id', 'in', [...studentIds, ...links.map((l) => l.guardian_id), '00000000-0000-0000-0000-000000000000'])
          .execute()
      : [];
  const nameOf = new Map(people.map((p) => [p.id, fullName(p)]));
  const absentFamilies: Attendance['absentFamilies'] = [];
  for (const s of studentIds) {
    const guardians = links.filter((l) => l.student_id === s).map((l) => l.guardian_id);
    if (attended.has(s) || guardians.some((g) => attended.has(g))) continue;
    absentFamilies.push({ studentId: s, studentName: nameOf.get(s) ?? '', guardians: guardians.map((g) => nameOf.get(g) ?? '') });
  }
  absentFamilies.sort((a, b) => a.studentName.localeCompare(b.studentName, 'ru'));
  return {
    meetingId: meeting.id,
    attended: [...byPerson.values()],
    absentFamilies,
    absentMembers: members.filter((m) => !attended.has(m.id)).map((m) => ({ personId: m.id, name: fullName(m) })),
  };
}

/** A cell is plain text in a spreadsheet: one that starts like a formula is prefixed with an apostrophe. */
function plain(v: string | number): string {
  const s = String(v);
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

/** A time in the school's zone, as a spreadsheet reads it: `2026-12-01 18:05`. */
function localTime(iso: string | null, timeZone: string): string {
  if (!iso) return '';
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

/**
 * The attendance as CSV for a spreadsheet: UTF-8 with a byte-order mark (so Excel reads Cyrillic),
 * CRLF line ends, quoting by csv-stringify, times in the school's zone, labels in `locale`. In
 * Russian the fields are separated by `;`, the list separator of a Russian-locale Excel (a comma
 * there is the decimal mark), so the file opens as columns.
 */
export function attendanceCsv(a: Attendance, o: { locale: Locale; timeZone: string }): string {
  const L = (key: Extract<MessageKey, `csv_${string}`>) => t(o.locale, key);
  const role = (r: string) => t(o.locale, 'role', { role: r });
  const rows: (string | number)[][] = [
    [L('csv_name'), L('csv_roles'), L('csv_joined'), L('csv_left'), L('csv_minutes'), L('csv_sessions'), L('csv_status')],
    ...a.attended.map((r) => [
      r.name,
      r.roles.map(role).join(', '),
      localTime(r.firstJoinedAt, o.timeZone),
      localTime(r.lastLeftAt, o.timeZone),
      Math.round(r.seconds / 60),
      r.sessions,
      L(r.removed ? 'csv_removed' : 'csv_attended'),
    ]),
    ...a.absentFamilies.map((f) => [
      f.guardians.length ? `${f.studentName} (${f.guardians.join('; ')})` : f.studentName,
      L('csv_family'),
      '',
      '',
      0,
      0,
      L('csv_family_absent'),
    ]),
  ];
  return (
    '\uFEFF' +
    stringify(
      rows.map((r) => r.map(plain)),
      { record_delimiter: '\r\n', delimiter: o.locale === 'ru' ? ';' : ',' },
    )
  );
}

/** The attendance CSV of a meeting, for its host or staff, with times in the school's zone. */
export async function attendanceExport(ctx: AppContext, meeting: MeetingRow, access: ChatAccess, locale: Locale): Promise<string> {
  const a = await attendance(ctx, meeting, access);
  const school = await ctx.db.selectFrom('schools').select('timezone').where('id', '=', access.schoolId).executeTakeFirstOrThrow();
  return attendanceCsv(a, { locale, timeZone: school.timezone });
}
