import type { ImportReport, ImportRow, Locale } from '@parta/protocol';
import { importText, issueText } from '../i18n/import.ts';
import type { SourceRef } from './input.ts';
import type { Plan, Ref } from './plan.ts';

/** The dry run's table: one row per thing the plan does or refuses, in the reader's language. */
export function reportRows(plan: Plan, locale: Locale, names: Map<string, string>): ImportRow[] {
  const rows: ImportRow[] = [];
  const at = (ref: SourceRef | null) => ({ file: ref?.file ?? null, line: ref?.line ?? null, column: ref?.column ?? null });
  const row = (action: ImportRow['action'], kind: ImportRow['kind'], name: string, detail: string, ref: SourceRef | null, extra: Partial<ImportRow> = {}) =>
    rows.push({ action, kind, name, detail, code: null, key: null, ...at(ref), ...extra });
  const label = (r: Ref) => names.get('id' in r ? r.id : r.key) ?? '';

  for (const r of plan.refusals)
    row('refuse', 'person', r.params?.['name'] ? String(r.params['name']) : '', issueText(locale, r.code, r.params), r.ref, { code: r.code });
  for (const w of plan.weak) row('confirm', 'person', w.name, importText(locale, 'weak', { candidate: w.candidate, reason: w.reason }), w.ref, { key: w.key });
  for (const c of plan.classes.create) row('create', 'class', c.name, importText(locale, 'create_class', { grade: c.grade }), c.ref);
  for (const c of plan.classes.update)
    row('change', 'class', c.name, c.name !== c.before ? importText(locale, 'rename_class', { before: c.before }) : importText(locale, 'source_class'), c.ref);
  for (const c of plan.classes.archive) row('archive', 'class', c.name, importText(locale, 'archive_class'), c.ref);
  const enrolOf = new Map(plan.enrol.flatMap((e) => ('key' in e.student ? [[e.student.key, e.className] as const] : [])));
  for (const p of plan.people.create) {
    row(
      'create',
      'person',
      [p.lastName, p.firstName, p.middleName].filter(Boolean).join(' '),
      importText(locale, 'create_person', { roles: importText(locale, 'roles', { list: p.roles.join(',') }), className: enrolOf.get(p.key) }),
      p.ref,
    );
  }
  for (const u of plan.people.update)
    row(
      'change',
      'person',
      u.name,
      importText(locale, 'change_person', { fields: importText(locale, 'fields', { list: Object.keys(u.set).join(',') }) }),
      u.ref,
    );
  for (const a of plan.people.archive) row('archive', 'person', a.name, importText(locale, 'archive_person'), a.ref);
  for (const e of plan.enrol) {
    if (e.fromClassId) row('move', 'person', e.name, importText(locale, 'move', { from: names.get(e.fromClassId) ?? '', to: e.className }), e.ref);
    else if ('id' in e.student) row('change', 'person', e.name, importText(locale, 'enrol', { to: e.className }), e.ref);
  }
  for (const u of plan.unenrol) row('change', 'person', u.name, importText(locale, 'unenrol'), u.ref);
  for (const g of plan.guardianships)
    row(
      g.change ? 'change' : 'create',
      'guardian',
      g.name,
      importText(locale, 'guardian', { child: label(g.student), relation: g.relation ?? undefined }),
      g.ref,
    );
  for (const t of plan.teachings)
    row(
      t.change ? 'change' : 'create',
      'teacher',
      t.name,
      importText(locale, 'teacher', { className: t.className, subjects: t.subjects.join(', '), lead: t.isClassTeacher ? 1 : undefined }),
      t.ref,
    );
  for (const s of plan.subjects) row('create', 'subject', s, importText(locale, 'subject'), null);
  for (const g of plan.grades)
    row(
      g.old ? 'change' : 'create',
      'grade',
      label(g.student),
      importText(locale, 'grade', { subject: g.subject, date: g.date, value: g.value, old: g.old ?? undefined }),
      g.ref,
    );
  return rows;
}

export function planCounts(plan: Plan): ImportReport['counts'] {
  const movedOrEnrolled = plan.enrol.filter((e) => e.fromClassId).length;
  return {
    created:
      plan.classes.create.length +
      plan.people.create.length +
      plan.guardianships.filter((g) => !g.change).length +
      plan.teachings.filter((t) => !t.change).length +
      plan.grades.filter((g) => !g.old).length +
      plan.subjects.length,
    changed:
      plan.classes.update.length +
      plan.people.update.length +
      plan.guardianships.filter((g) => g.change).length +
      plan.teachings.filter((t) => t.change).length +
      plan.grades.filter((g) => g.old).length +
      plan.unenrol.length +
      plan.enrol.filter((e) => !e.fromClassId && 'id' in e.student).length,
    moved: movedOrEnrolled,
    archived: plan.classes.archive.length + plan.people.archive.length,
    refused: plan.refusals.length,
    confirm: plan.weak.length,
    unchanged: plan.unchanged,
  };
}
