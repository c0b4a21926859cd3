import { useEffect, useRef } from 'react';

/**
 * A question before an action that cannot be taken back (remove a participant, end the meeting
 * for everyone): a modal dialog with the action and a way out; Escape cancels.
 */
export function ConfirmDialog({
  text,
  confirm,
  cancel,
  onConfirm,
  onCancel,
}: {
  text: string;
  confirm: string;
  cancel: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog
      ref={ref}
      className="meeting-confirm"
      role="alertdialog"
      aria-label={text}
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <p>{text}</p>
      <div className="row">
        <button type="button" className="btn btn-danger" data-confirm onClick={onConfirm}>
          {confirm}
        </button>
        <button type="button" className="btn btn-secondary" autoFocus onClick={onCancel}>
          {cancel}
        </button>
      </div>
    </dialog>
  );
}
