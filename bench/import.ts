/**
 * Roster import at the size of a large school, through the real app (HTTP handled in-process by
 * Fastify's inject), on PGlite unless DATABASE_URL is set.
 *
 *   npm run bench:import
 *   npm run bench:import -- --students 3000 --guardians 5000 --teachers 200
 *
 * Generates a OneRoster 1.2 CSV bulk export (11 grades × 10 classes, 8 subjects each taught as a
 * scheduled class, every student enrolled in their homeroom and its 8 sections, two guardians for
 * two children in three, half the students with a phone of their own), uploads it for a dry run, applies it, and dry-runs it again
 * (a re-import that must change nothing). Prints seconds for each and the process's RSS growth
 * (sampled every 50 ms, the peak over the start).
 * Targets (issue 19): dry run ≤ 15 s on PGlite, apply ≤ 30 s, RSS growth ≤ 300 MB.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { ImportReport } from '@parta/protocol';
import { createTestApp } from '../apps/server/src/testing/harness.ts';
import { newSchool, zip } from '../apps/server/src/import/test-helpers.ts';
import { BOYS, GIRLS, LAST } from '../apps/server/src/demo/names.ts';
import { args, mib } from './lib.ts';

const opt = args(process.argv.slice(2));
const STUDENTS = Number(opt.students ?? 3000);
const GUARDIANS = Number(opt.guardians ?? 5000);
const TEACHERS = Number(opt.teachers ?? 200);
const LETTERS = ['А', 'Б', 'В', 'Г', 'Д', 'Е', 'Ж', 'И', 'К', 'Л'];
const SUBJECTS = ['Математика', 'Русский язык', 'Литература', 'История', 'Английский язык', 'Физкультура', 'Биология', 'Информатика'];
const FIRST = [...BOYS, ...GIRLS];

function generate(): Record<string, string> {
  const classes: string[] = [];
  const users: string[] = [];
  const roles: string[] = [];
  const enrol: string[] = [];
  const demo: string[] = [];
  const homerooms: { id: string; grade: number }[] = [];
  for (let g = 1; g <= 11; g++) for (const l of LETTERS) homerooms.push({ id: `c${g}${l}`, grade: g });
  for (const h of homerooms) {
    classes.push(`${h.id},active,,${h.grade}${h.id.slice(-1)},${String(h.grade).padStart(2, '0')},hr,,homeroom,,org1,y1,,,`);
    SUBJECTS.forEach((s, i) =>
      classes.push(`${h.id}-s${i},active,,${s} ${h.grade}${h.id.slice(-1)},${String(h.grade).padStart(2, '0')},course${i},,scheduled,,org1,y1,,,`),
    );
  }
  const phone = (n: number) => `+7916${String(n).padStart(7, '0')}`;
  // Guardians: GUARDIANS of them over STUDENTS children; a guardian may have two children (siblings).
  const agentsOf = new Map<number, string[]>();
  for (let i = 0; i < GUARDIANS; i++) {
    const child = i % STUDENTS;
    agentsOf.set(child, [...(agentsOf.get(child) ?? []), `g${i}`]);
  }
  const childrenOf = new Map<string, string[]>();
  for (const [child, gs] of agentsOf) for (const g of gs) childrenOf.set(g, [...(childrenOf.get(g) ?? []), `s${child}`]);
  for (let i = 0; i < STUDENTS; i++) {
    const h = homerooms[i % homerooms.length]!;
    users.push(
      `s${i},active,2026-09-01T00:00:00Z,true,s${i},,${FIRST[i % FIRST.length]},${LAST[i % LAST.length]},,,,${i % 2 ? phone(1_000_000 + i) : ''},,"${(agentsOf.get(i) ?? []).join(',')}",${h.grade},`,
    );
    roles.push(`rs${i},active,,s${i},primary,student,,,org1,`);
    demo.push(`s${i},active,,${2019 - h.grade}-0${1 + (i % 9)}-1${i % 10},`);
    enrol.push(`es${i},active,,${h.id},org1,s${i},student,false,,`);
    SUBJECTS.forEach((_, k) => enrol.push(`es${i}-${k},active,,${h.id}-s${k},org1,s${i},student,false,,`));
  }
  for (let i = 0; i < GUARDIANS; i++) {
    users.push(
      `g${i},active,2026-09-01T00:00:00Z,true,g${i},,${FIRST[(i + 3) % FIRST.length]},${LAST[i % LAST.length]},,,,${phone(2_000_000 + i)},,"${(childrenOf.get(`g${i}`) ?? []).join(',')}",,`,
    );
    roles.push(`rg${i},active,,g${i},primary,parent,,,org1,`);
  }
  for (let i = 0; i < TEACHERS; i++) {
    users.push(`t${i},active,2026-09-01T00:00:00Z,true,t${i},,${FIRST[i % FIRST.length]},${LAST[(i + 5) % LAST.length]},,,,${phone(3_000_000 + i)},,,,`);
    roles.push(`rt${i},active,,t${i},primary,teacher,,,org1,`);
  }
  // Each homeroom has a class teacher; each section a teacher of its subject.
  homerooms.forEach((h, i) => {
    enrol.push(`eh${h.id},active,,${h.id},org1,t${i % TEACHERS},teacher,true,,`);
    SUBJECTS.forEach((_, k) => enrol.push(`et${h.id}-${k},active,,${h.id}-s${k},org1,t${(i * SUBJECTS.length + k) % TEACHERS},teacher,true,,`));
  });
  const head = {
    classes:
      'sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods',
    users:
      'sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password',
    roles: 'sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId',
    enrollments: 'sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate',
    demographics: 'sourcedId,status,dateLastModified,birthDate,sex',
  };
  return {
    'manifest.csv':
      'propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\nfile.orgs,bulk\nfile.courses,bulk\nfile.classes,bulk\nfile.users,bulk\nfile.roles,bulk\nfile.enrollments,bulk\nfile.demographics,bulk\n',
    'orgs.csv': 'sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\norg1,active,,Школа,school,1,\n',
    'courses.csv': `sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes\nhr,active,,y1,Класс,,,org1,,\n${SUBJECTS.map((s, i) => `course${i},active,,y1,${s},,,org1,,`).join('\n')}\n`,
    'classes.csv': `${head.classes}\n${classes.join('\n')}\n`,
    'users.csv': `${head.users}\n${users.join('\n')}\n`,
    'roles.csv': `${head.roles}\n${roles.join('\n')}\n`,
    'enrollments.csv': `${head.enrollments}\n${enrol.join('\n')}\n`,
    'demographics.csv': `${head.demographics}\n${demo.join('\n')}\n`,
  };
}

const t = await createTestApp();
try {
  const { schoolId, admin } = await newSchool(t, '+79990000001', '+79990000002');
  const files = generate();
  const raw = Object.values(files).reduce((n, f) => n + Buffer.byteLength(f), 0);
  const file = await zip(files);
  console.log(
    `database: ${t.runtime.ctx.dbKind}; ${STUDENTS} students, ${GUARDIANS} guardians, ${TEACHERS} teachers; ${(raw / 1e6).toFixed(1)} MB of CSV, ${(file.length / 1e6).toFixed(1)} MB zipped`,
  );
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);

  // Wall seconds, and this process's CPU seconds (PGlite runs in it: the database's work is included),
  // which a loaded machine stretches less than wall time.
  const timed = async <T>(fn: () => Promise<T>): Promise<{ value: T; s: number; cpu: number }> => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const value = await fn();
    const c = process.cpuUsage(c0);
    return { value, s: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
  };
  const fig = (r: { s: number; cpu: number }) => `${r.s.toFixed(1).padStart(5)} s wall, ${r.cpu.toFixed(1).padStart(5)} s CPU`;
  const upload = () =>
    timed(async () => {
      const res = await t.request('POST', `/api/v1/schools/${schoolId}/import?name=oneroster.zip`, {
        token: admin,
        body: file,
        headers: { 'content-type': 'application/zip' },
      });
      if (res.statusCode !== 200) throw new Error(res.body);
      return res.json() as ImportReport;
    });
  const dry = await upload();
  if (!dry.value.canApply) throw new Error(JSON.stringify(dry.value.rows.filter((r) => r.action !== 'create').slice(0, 5)));
  console.log(`dry run:   ${fig(dry)}  (target ≤ 15 s)  created ${dry.value.counts.created}, ${dry.value.rows.length} report rows`);
  const applied = await timed(async () => {
    const res = await t.request('POST', `/api/v1/schools/${schoolId}/import/${dry.value.runId}/apply`, { token: admin, body: { confirm: [] } });
    if (res.statusCode !== 200) throw new Error(res.body);
  });
  console.log(`apply:     ${fig(applied)}  (target ≤ 30 s)`);
  const again = await upload();
  const c = again.value.counts;
  console.log(`re-import: ${fig(again)}  dry run, ${c.created + c.changed + c.moved + c.archived} changes (must be 0), ${c.unchanged} unchanged`);
  console.log(`load average: ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores`);
  clearInterval(sampler);
  console.log(`RSS: ${mib(rss0)} before, peak ${mib(peak)}, growth ${mib(peak - rss0)} (target ≤ 300 MB)`);
  const n = await t.runtime.ctx.db
    .selectFrom('persons')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('school_id', '=', schoolId)
    .executeTakeFirstOrThrow();
  console.log(`roster: ${n.n} people`);
} finally {
  await t.close();
}
