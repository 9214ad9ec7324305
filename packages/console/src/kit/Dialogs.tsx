import { Check, Copy, TriangleAlert } from 'lucide-react';
import { type ReactNode, useEffect, useId, useRef, useState } from 'react';

/**
 * A modal `<dialog>`: opened with showModal() (so the page behind is inert and Esc closes it), focus moved inside,
 * and given back to where it was on close.
 */
function useModal(initialFocus: () => HTMLElement | null) {
  const ref = useRef<HTMLDialogElement>(null);
  const focusRef = useRef(initialFocus);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    focusRef.current()?.focus();
    return () => {
      if (dialog.open) dialog.close();
      if (previous?.isConnected) previous.focus();
    };
  }, []);
  return ref;
}

/** An alert dialog with one OK button (e.g. "instant messaging is not possible"). */
export function AlertDialog({
  title,
  children,
  onClose,
}: {
  title: string;
  children: ReactNode;
  onClose(): void;
}) {
  const okRef = useRef<HTMLButtonElement>(null);
  const ref = useModal(() => okRef.current);
  const titleId = useId();
  const textId = useId();
  return (
    <dialog
      ref={ref}
      className="dialog dialog--alert"
      role="alertdialog"
      aria-modal="true"
      aria-labelledby={titleId}
      aria-describedby={textId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <div className="dialog__head">
        <TriangleAlert className="dialog__icon" size={20} aria-hidden="true" />
        <h2 id={titleId} className="dialog__title">
          {title}
        </h2>
      </div>
      <p id={textId} className="dialog__text sentence">
        {children}
      </p>
      <div className="dialog__actions">
        <button ref={okRef} type="button" className="button button--primary" onClick={onClose}>
          OK
        </button>
      </div>
    </dialog>
  );
}

/** A dialog with a title, any content and a closing button. */
export function Dialog({
  title,
  children,
  onClose,
  closeLabel = 'Close',
}: {
  title: string;
  children: ReactNode;
  onClose(): void;
  closeLabel?: string;
}) {
  const closeRef = useRef<HTMLButtonElement>(null);
  const ref = useModal(() => closeRef.current);
  const titleId = useId();
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-modal="true"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <div className="dialog__head">
        <h2 id={titleId} className="dialog__title">
          {title}
        </h2>
      </div>
      <div className="dialog__body">{children}</div>
      <div className="dialog__actions">
        <button ref={closeRef} type="button" className="button button--primary" onClick={onClose}>
          {closeLabel}
        </button>
      </div>
    </dialog>
  );
}

/** A command to copy: shown as code, with a copy button (the clipboard API needs a secure page; else it selects). */
export function CopyableCode({ code, label }: { code: string; label: string }) {
  const [copied, setCopied] = useState(false);
  const codeRef = useRef<HTMLElement>(null);
  useEffect(() => {
    if (!copied) return;
    const timer = window.setTimeout(() => setCopied(false), 2000);
    return () => window.clearTimeout(timer);
  }, [copied]);

  const select = () => {
    const element = codeRef.current;
    const selection = window.getSelection();
    if (!element || !selection) return;
    selection.selectAllChildren(element);
  };

  const copy = async () => {
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(code);
      setCopied(true);
    } catch {
      select();
    }
  };

  return (
    <div className="copyable">
      <pre className="copyable__code">
        <code ref={codeRef}>{code}</code>
      </pre>
      <button type="button" className="button button--ghost button--small" aria-label={label} onClick={copy}>
        {copied ? <Check size={14} aria-hidden="true" /> : <Copy size={14} aria-hidden="true" />}
        <span aria-hidden="true">{copied ? 'Copied' : 'Copy'}</span>
      </button>
      <span className="visually-hidden" aria-live="polite">
        {copied ? 'Copied to the clipboard' : ''}
      </span>
    </div>
  );
}
