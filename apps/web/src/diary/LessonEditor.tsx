import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Lesson } from '@parta/protocol';
import { api } from '../app/state.ts';
import { useEngine } from '../app/engine-context.ts';
import { useStore } from '../lib/store.ts';
import { uploadFile } from '../ui/upload.ts';
import { HomeworkFiles } from './HomeworkFiles.tsx';
import { Button, ErrorNote, Field, Select } from '../ui/kit.tsx';
import { useDt } from './i18n.ts';

/** A lesson's topic, form of work and homework, edited from its column header. */
export function LessonEditor({
  base,
  lesson,
  workTypes,
  canEdit,
  onClose,
  onSaved,
}: {
  base: string;
  lesson: Lesson;
  workTypes: { id: string; name: string }[];
  canEdit: boolean;
  onClose: () => void;
  onSaved: () => void;
}) {
  const { dt, error, date } = useDt();
  const [topic, setTopic] = useState(lesson.topic ?? '');
  const [workType, setWorkType] = useState(lesson.workTypeId ?? '');
  const [homework, setHomework] = useState(lesson.homework?.text ?? '');
  // Files go up into the class's chat (where the teacher may upload) and are read under the diary's rule once set.
  const [files, setFiles] = useState(lesson.homework?.files ?? []);
  const [uploading, setUploading] = useState<number | null>(null);
  const chats = useStore(useEngine().chats);
  const classChat = (chats ?? []).find((c) => c.kind === 'class' && c.classId === lesson.classId);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
  }, []);

  async function save(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErr(null);
    try {
      await api.patch(`${base}/lessons/${lesson.id}`, null, { topic: topic.trim() || null, workTypeId: workType || null });
      if (homework.trim()) await api.put(`${base}/lessons/${lesson.id}/homework`, null, { text: homework.trim(), fileIds: files.map((f) => f.id) });
      else if (lesson.homework) await api.delete(`${base}/lessons/${lesson.id}/homework`);
      onSaved();
      onClose();
    } catch (e2) {
      setErr(error(e2));
    } finally {
      setBusy(false);
    }
  }

  return (
    <dialog ref={dialog} className="lesson-editor" aria-labelledby="lesson-editor-title" onClose={onClose}>
      <form onSubmit={save} className="stack">
        <h3 id="lesson-editor-title">{`${dt('j.editLesson')} · ${date(lesson.date)}`}</h3>
        <Field label={dt('d.topic')} value={topic} onChange={(e) => setTopic(e.target.value)} maxLength={300} disabled={!canEdit} />
        <Select label={dt('j.workType')} value={workType} onChange={(e) => setWorkType(e.target.value)} disabled={!canEdit}>
          <option value="">{dt('j.workType.none')}</option>
          {workTypes.map((w) => (
            <option key={w.id} value={w.id}>
              {w.name}
            </option>
          ))}
        </Select>
        <div className="field">
          <label htmlFor="lesson-hw">{dt('d.homework')}</label>
          <textarea id="lesson-hw" value={homework} onChange={(e) => setHomework(e.target.value)} maxLength={4000} rows={3} disabled={!canEdit} />
          {lesson.homework && <p className="hint">{dt('d.due', { date: date(lesson.homework.dueOn) })}</p>}
          <HomeworkFiles files={files} onRemove={canEdit ? (id) => setFiles((fs) => fs.filter((f) => f.id !== id)) : undefined} />
          {canEdit && classChat && files.length < 10 && (
            <label className="btn btn-secondary file-pick">
              {uploading === null ? dt('hw.attach') : `${dt('hw.uploading')} ${Math.round(uploading * 100)} %`}
              <input
                type="file"
                className="sr-only"
                disabled={uploading !== null}
                onChange={(e) => {
                  const file = e.target.files?.[0];
                  e.target.value = '';
                  if (!file) return;
                  setUploading(0);
                  setErr(null);
                  uploadFile(classChat.id, file, setUploading)
                    .then(
                      (u) => setFiles((fs) => [...fs, { id: u.id, name: u.name, size: u.size }]),
                      (e2) => setErr(error(e2)),
                    )
                    .finally(() => setUploading(null));
                }}
              />
            </label>
          )}
        </div>
        <ErrorNote>{err}</ErrorNote>
        <div className="row">
          {canEdit && (
            <Button type="submit" busy={busy} disabled={uploading !== null}>
              {dt('j.save')}
            </Button>
          )}
          <Button variant="secondary" onClick={onClose}>
            {dt('j.close')}
          </Button>
        </div>
      </form>
    </dialog>
  );
}
