import type { ReactNode } from 'react';
import { Dialog } from './Dialog.js';

export function ConfirmDialog(props: { title: string; confirmLabel: string; danger?: boolean; onConfirm: () => void; onCancel: () => void; children: ReactNode }) {
  return (
    <Dialog title={props.title} onClose={props.onCancel}>
      <div className="dialog-body">{props.children}</div>
      <div className="dialog-actions">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" className={props.danger ? 'danger' : 'primary'} onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
