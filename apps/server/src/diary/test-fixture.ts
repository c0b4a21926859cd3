import assert from 'node:assert/strict';
import type { DiarySettings, Journal } from '@parta/protocol';
import type { TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { academicYearFor } from '../directory/service.ts';
import { quarters } from '../demo/diary.ts';

/** The demo school's people, signed in, and a diary set up for 5А through the admin's API. */
export interface Who {
  token: string;
  userId: string;
  personId: string;
}

export interface DiaryFixture {
  schoolId: string;
  yearStart: number;
  c5a: string;
  c6b: string;
  subjects: Record<'math' | 'russian' | 'history' | 'english', string>;
  admin: Who;
  ct5a: Who;
  math: Who;
  ct6b: Who;
  guardian5a: Who;
  student5a: Who;
  /** Another student of 5А, with an account. */
  classmate: Who;
  guardian6b: Who;
  /** Signed in, on no roster. */
  outsider: Who;
  settings: DiarySettings;
}

export async function who(t: TestApp, phone: string): Promise<Who & { schoolId: string; childIds: string[] }> {
  const s = await t.signIn(phone);
  const me = (await t.request('GET', '/api/v1/me', { token: s.token })).json();
  const school = me.schools[0];
  return { ...s, personId: school?.personId, schoolId: school?.school.id, childIds: (school?.children ?? []).map((c: { personId: string }) => c.personId) };
}

export async function call(t: TestApp, a: Pick<Who, 'token'>, method: string, url: string, body?: unknown, status = 200) {
  const res = await t.request(method, url, { token: a.token, body });
  assert.equal(res.statusCode, status, `${method} ${url}: ${res.body}`);
  return res.body ? res.json() : null;
}

/** Quarters and holidays of the current academic year, as the demo school has them. */
export { quarters };

export const BELLS = [
  ['08:30', '09:15'],
  ['09:25', '10:10'],
  ['10:30', '11:15'],
  ['11:35', '12:20'],
  ['12:30', '13:15'],
  ['13:25', '14:10'],
].map(([startsAt, endsAt], i) => ({ shift: 1, lessonNo: i + 1, startsAt: startsAt!, endsAt: endsAt! }));

export async function diaryFixture(t: TestApp): Promise<DiaryFixture> {
  const admin = await who(t, DEMO_PHONES.admin);
  const schoolId = admin.schoolId;
  const base = `/api/v1/schools/${schoolId}/diary`;
  const [ct5a, math, ct6b, guardian5a, student5a, classmate, guardian6b, outsider] = await Promise.all([
    who(t, DEMO_PHONES.classTeacher5A),
    who(t, DEMO_PHONES.subjectTeacher),
    who(t, DEMO_PHONES.classTeacher6B),
    who(t, DEMO_PHONES.guardian5A),
    who(t, DEMO_PHONES.student5A),
    who(t, '+79001100004'),
    who(t, DEMO_PHONES.guardian6B),
    who(t, '+79009998877'),
  ]);
  const classes = (await call(t, admin, 'GET', `/api/v1/schools/${schoolId}/classes`)).classes as { id: string; name: string }[];
  const c5a = classes.find((c) => c.name === '5А')!.id;
  const c6b = classes.find((c) => c.name === '6Б')!.id;
  const y = academicYearFor().startsOn.slice(0, 4);
  const yearStart = Number(y);
  await call(t, admin, 'PUT', `${base}/periods`, quarters(yearStart), 204);
  await call(t, admin, 'PUT', `${base}/bells`, { bells: BELLS }, 204);
  const english = (await call(t, admin, 'POST', `${base}/subjects`, { name: 'Английский язык' }, 201)).id;
  await call(t, admin, 'POST', `${base}/classes/${c5a}/teaching`, { personId: ct6b.personId, subjectId: english }, 204);
  let settings: DiarySettings = await call(t, admin, 'GET', `${base}/settings`);
  const sub = (name: string) => settings.subjects.find((s) => s.name === name)!.id;
  const subjects = { math: sub('Математика'), russian: sub('Русский язык'), history: sub('История'), english };
  // 5А: maths Mon/Wed/Fri 1st, Russian every day 2nd, English Tue/Thu 3rd (by the 6Б class teacher).
  const slots = [
    ...[1, 3, 5].map((weekday) => ({ weekday, lessonNo: 1, subjectId: subjects.math, teacherId: math.personId, room: '21' })),
    ...[1, 2, 3, 4, 5].map((weekday) => ({ weekday, lessonNo: 2, subjectId: subjects.russian, teacherId: ct5a.personId, room: '14' })),
    ...[2, 4].map((weekday) => ({ weekday, lessonNo: 3, subjectId: english, teacherId: ct6b.personId, room: '30' })),
  ];
  await call(t, admin, 'PUT', `${base}/classes/${c5a}/timetable`, { validFrom: `${y}-09-01`, shift: 1, slots }, 204);
  await call(
    t,
    admin,
    'PUT',
    `${base}/classes/${c6b}/timetable`,
    {
      validFrom: `${y}-09-01`,
      shift: 1,
      slots: [
        { weekday: 1, lessonNo: 1, subjectId: subjects.history, teacherId: ct6b.personId },
        { weekday: 2, lessonNo: 1, subjectId: subjects.math, teacherId: math.personId },
      ],
    },
    204,
  );
  settings = await call(t, admin, 'GET', `${base}/settings`);
  return { schoolId, yearStart, c5a, c6b, subjects, admin, ct5a, math, ct6b, guardian5a, student5a, classmate, guardian6b, outsider, settings };
}

export async function journalOf(t: TestApp, f: DiaryFixture, a: Who, subjectId: string, periodId?: string): Promise<Journal> {
  return call(t, a, 'GET', `/api/v1/schools/${f.schoolId}/diary/journal?classId=${f.c5a}&subjectId=${subjectId}${periodId ? `&periodId=${periodId}` : ''}`);
}

/** The first period of the year: fully in the past whatever today is during the school year. */
export const firstPeriod = (f: DiaryFixture) => f.settings.periods.find((p) => p.number === 1)!;
