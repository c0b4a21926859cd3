import { useEffect, useState } from 'react';
import { DiarySettings, ImportApplyResult, ImportReport, RolloverPreview, RolloverResult, type SchoolClass } from '@parta/protocol';
import { api } from '../app/state.ts';
import { useI18n } from '../i18n/index.ts';
import { Button, ErrorNote, Field, Select } from '../ui/kit.tsx';
import { useAction } from '../ui/useAction.ts';

type Report = ImportReport;

/** Saves a protected file the server sends (the template, exports) under a name. */
async function download(path: string, name: string) {
  const url = await api.blobUrl(path);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Data in and out (admin): the template to download, an upload checked by a dry run whose report
 * is a table, Apply; exports (OneRoster, the ведомость); the year-end rollover with its preview.
 * Loaded only when the admin opens this tab.
 */
export default function AdminImport({ sid, classes, reload }: { sid: string; classes: SchoolClass[]; reload: () => void }) {
  return (
    <div className="stack">
      <ImportPanel sid={sid} reload={reload} />
      <ExportPanel sid={sid} classes={classes} />
      <RolloverPanel sid={sid} reload={reload} />
    </div>
  );
}

function ImportPanel({ sid, reload }: { sid: string; reload: () => void }) {
  const { t } = useI18n();
  const [file, setFile] = useState<File | null>(null);
  const [full, setFull] = useState(false);
  const [report, setReport] = useState<Report | null>(null);
  const [confirm, setConfirm] = useState<Set<string>>(new Set());
  const [done, setDone] = useState<string | null>(null);
  const { err, busy, run } = useAction();
  const weak = report?.rows.filter((r) => r.action === 'confirm') ?? [];
  const refused = report?.rows.some((r) => r.action === 'refuse') ?? false;
  const canApply = !!report?.runId && !refused && weak.every((w) => w.key && confirm.has(w.key));

  const check = () =>
    run(async () => {
      if (!file) return;
      setDone(null);
      const form = new FormData();
      form.append('file', file, file.name);
      const r = await api.upload('POST', `/api/v1/schools/${sid}/import?name=${encodeURIComponent(file.name)}${full ? '&full=1' : ''}`, ImportReport, form);
      setReport(r);
      setConfirm(new Set());
    });
  const applyRun = () =>
    run(async () => {
      if (!report?.runId) return;
      const r = await api.post(`/api/v1/schools/${sid}/import/${report.runId}/apply`, ImportApplyResult, { confirm: [...confirm] });
      setReport(null);
      setFile(null);
      setDone(t('import.applied', { created: r.counts.created, changed: r.counts.changed, moved: r.counts.moved, archived: r.counts.archived }));
      reload();
    });

  return (
    <section className="card stack" aria-labelledby="import-h">
      <h2 id="import-h">{t('import.title')}</h2>
      <p className="muted">{t('import.intro')}</p>
      <div className="row gap wrap">
        <Button variant="secondary" onClick={() => run(() => download(`/api/v1/schools/${sid}/import/template`, t('import.templateFile')))}>
          {t('import.template')}
        </Button>
        <Button
          variant="ghost"
          onClick={() => run(() => download(`/api/v1/schools/${sid}/import/template?format=csv&sheet=students`, t('import.templateStudentsCsv')))}
        >
          {t('import.templateStudents')}
        </Button>
        <Button
          variant="ghost"
          onClick={() => run(() => download(`/api/v1/schools/${sid}/import/template?format=csv&sheet=teachers`, t('import.templateTeachersCsv')))}
        >
          {t('import.templateTeachers')}
        </Button>
      </div>
      <form
        className="row gap wrap end"
        onSubmit={(e) => {
          e.preventDefault();
          void check();
        }}
      >
        <Field
          label={t('import.file')}
          type="file"
          accept=".zip,.csv,.xlsx,.txt"
          onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
          hint={t('import.fileHint')}
        />
        <label className="row gap">
          <input type="checkbox" checked={full} onChange={(e) => setFull(e.currentTarget.checked)} />
          {t('import.full')}
        </label>
        <Button type="submit" busy={busy} disabled={!file}>
          {t('import.check')}
        </Button>
      </form>
      <ErrorNote>{err}</ErrorNote>
      {done && (
        <p role="status" className="ok">
          {done}
        </p>
      )}
      {report && (
        <div className="stack" aria-live="polite">
          <p role="status">
            {t('import.summary', {
              created: report.counts.created,
              changed: report.counts.changed,
              moved: report.counts.moved,
              archived: report.counts.archived,
              refused: report.counts.refused,
              confirm: report.counts.confirm,
              unchanged: report.counts.unchanged,
            })}
          </p>
          {refused && <p className="error">{t('import.fixRefused')}</p>}
          {report.rows.length === 0 ? (
            <p>{t('import.nothing')}</p>
          ) : (
            <div className="table-wrap">
              <table className="table" aria-label={t('import.reportTable')}>
                <thead>
                  <tr>
                    <th scope="col">{t('import.col.action')}</th>
                    <th scope="col">{t('import.col.name')}</th>
                    <th scope="col">{t('import.col.detail')}</th>
                    <th scope="col">{t('import.col.where')}</th>
                  </tr>
                </thead>
                <tbody>
                  {report.rows.slice(0, 2000).map((r, i) => (
                    <tr key={i} className={r.action === 'refuse' ? 'error' : undefined}>
                      <td>{t(`import.action.${r.action}`)}</td>
                      <td>{r.name}</td>
                      <td>
                        {r.detail}
                        {r.action === 'confirm' && r.key && (
                          <label className="row gap">
                            <input
                              type="checkbox"
                              checked={confirm.has(r.key)}
                              onChange={(e) => {
                                const next = new Set(confirm);
                                if (e.currentTarget.checked) next.add(r.key!);
                                else next.delete(r.key!);
                                setConfirm(next);
                              }}
                            />
                            {t('import.confirmSame')}
                          </label>
                        )}
                      </td>
                      <td>{r.file ? `${r.file}${r.line ? `, ${t('import.line', { line: r.line })}` : ''}${r.column ? `, «${r.column}»` : ''}` : ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {report.rows.length > 2000 && <p className="muted">{t('import.more', { n: report.rows.length - 2000 })}</p>}
            </div>
          )}
          <div className="row gap">
            <Button onClick={() => void applyRun()} busy={busy} disabled={!canApply}>
              {t('import.apply')}
            </Button>
            <Button variant="ghost" onClick={() => setReport(null)}>
              {t('common.cancel')}
            </Button>
          </div>
        </div>
      )}
    </section>
  );
}

function ExportPanel({ sid, classes }: { sid: string; classes: SchoolClass[] }) {
  const { t } = useI18n();
  const { err, busy, run } = useAction();
  const [classId, setClassId] = useState('');
  const [periodId, setPeriodId] = useState('');
  const [periods, setPeriods] = useState<DiarySettings['periods']>([]);
  useEffect(() => {
    api.get(`/api/v1/schools/${sid}/diary/settings`, DiarySettings).then(
      (s) => setPeriods(s.periods),
      () => setPeriods([]),
    );
  }, [sid]);
  const cls = classes.find((c) => c.id === classId);
  return (
    <section className="card stack" aria-labelledby="export-h">
      <h2 id="export-h">{t('export.title')}</h2>
      <div className="row gap wrap end">
        <Button variant="secondary" busy={busy} onClick={() => run(() => download(`/api/v1/schools/${sid}/export/oneroster`, 'oneroster.zip'))}>
          {t('export.oneroster')}
        </Button>
      </div>
      <div className="row gap wrap end">
        <Select label={t('export.class')} value={classId} onChange={(e) => setClassId(e.currentTarget.value)}>
          <option value="">—</option>
          {classes.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </Select>
        <Select label={t('export.period')} value={periodId} onChange={(e) => setPeriodId(e.currentTarget.value)}>
          <option value="">{t('export.year')}</option>
          {periods.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </Select>
        <Button
          variant="secondary"
          busy={busy}
          disabled={!classId}
          onClick={() =>
            run(() =>
              download(
                `/api/v1/schools/${sid}/export/vedomost?classId=${classId}${periodId ? `&periodId=${periodId}` : ''}`,
                `${t('export.vedomost')} ${cls?.name ?? ''}.xlsx`,
              ),
            )
          }
        >
          {t('export.vedomost')}
        </Button>
      </div>
      <ErrorNote>{err}</ErrorNote>
    </section>
  );
}

function RolloverPanel({ sid, reload }: { sid: string; reload: () => void }) {
  const { t } = useI18n();
  const { err, busy, run } = useAction();
  const [lastGrade, setLastGrade] = useState(11);
  const [preview, setPreview] = useState<RolloverPreview | null>(null);
  const [done, setDone] = useState<string | null>(null);
  return (
    <section className="card stack" aria-labelledby="rollover-h">
      <h2 id="rollover-h">{t('rollover.title')}</h2>
      <p className="muted">{t('rollover.intro')}</p>
      <div className="row gap wrap end">
        <Field
          label={t('rollover.lastGrade')}
          type="number"
          min={1}
          max={12}
          value={lastGrade}
          onChange={(e) => setLastGrade(Number(e.currentTarget.value) || 11)}
        />
        <Button
          variant="secondary"
          busy={busy}
          onClick={() =>
            run(async () => {
              setDone(null);
              setPreview(await api.get(`/api/v1/schools/${sid}/rollover?lastGrade=${lastGrade}`, RolloverPreview));
            })
          }
        >
          {t('rollover.preview')}
        </Button>
      </div>
      <ErrorNote>{err}</ErrorNote>
      {done && (
        <p role="status" className="ok">
          {done}
        </p>
      )}
      {preview && (
        <div className="stack">
          <p>{t('rollover.years', { from: preview.fromYear.name, to: preview.toYear.name })}</p>
          <div className="table-wrap">
            <table className="table" aria-label={t('rollover.title')}>
              <thead>
                <tr>
                  <th scope="col">{t('rollover.class')}</th>
                  <th scope="col">{t('rollover.becomes')}</th>
                  <th scope="col">{t('rollover.students')}</th>
                </tr>
              </thead>
              <tbody>
                {preview.promote.map((p) => (
                  <tr key={p.classId}>
                    <td>{p.from}</td>
                    <td>{p.to}</td>
                    <td>{p.students}</td>
                  </tr>
                ))}
                {preview.graduate.map((g) => (
                  <tr key={g.classId}>
                    <td>{g.name}</td>
                    <td>{t('rollover.graduates')}</td>
                    <td>{g.students}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Button
            variant="danger"
            busy={busy}
            onClick={() =>
              run(async () => {
                if (!window.confirm(t('rollover.sure', { to: preview.toYear.name }))) return;
                const r = await api.post(`/api/v1/schools/${sid}/rollover`, RolloverResult, { hash: preview.hash, lastGrade: preview.lastGrade });
                setPreview(null);
                setDone(t('rollover.done', { promoted: r.promoted, graduated: r.graduated }));
                reload();
              })
            }
          >
            {t('rollover.apply')}
          </Button>
        </div>
      )}
    </section>
  );
}
