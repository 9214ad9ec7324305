import { TriangleAlert } from 'lucide-react';
import { type KeyboardEvent, type ReactNode, type RefObject, useEffect, useId, useRef } from 'react';
import { Button } from './Button';
import { FormError } from './Field';

const TABBABLE =
  'a[href], button:not(:disabled), input:not(:disabled), select:not(:disabled), textarea:not(:disabled), [tabindex]:not([tabindex="-1"])';

/** Tab and Shift+Tab go round the dialog's controls: from the last to the first and back. */
function trapTab(event: KeyboardEvent<HTMLDialogElement>): void {
  if (event.key !== 'Tab') return;
  const stops = [...event.currentTarget.querySelectorAll<HTMLElement>(TABBABLE)].filter(
    (element) => element.getClientRects().length > 0,
  );
  const first = stops[0];
  const last = stops.at(-1);
  if (!first || !last) return;
  const active = document.activeElement;
  if (event.shiftKey && (active === first || !event.currentTarget.contains(active))) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && active === last) {
    event.preventDefault();
    first.focus();
  }
}

interface ModalProps {
  title: string;
  role?: 'dialog' | 'alertdialog';
  className: string;
  describedBy?: string;
  /** The control that takes the focus when the dialog opens. */
  initialFocus: RefObject<HTMLElement | null>;
  onClose(): void;
  icon?: ReactNode;
  children: ReactNode;
  actions: ReactNode;
}

/**
 * The one modal: a `<dialog>` opened with showModal(), so the page behind is inert. The focus moves inside (to
 * `initialFocus`), Tab stays inside, Esc closes (`onClose`), and the focus goes back where it was when it closes.
 */
function Modal({
  title,
  role = 'dialog',
  className,
  describedBy,
  initialFocus,
  onClose,
  icon,
  children,
  actions,
}: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    initialFocus.current?.focus();
    return () => {
      if (dialog.open) dialog.close();
      if (previous?.isConnected) previous.focus();
    };
  }, [initialFocus]);
  return (
    <dialog
      ref={ref}
      className={className}
      role={role === 'alertdialog' ? 'alertdialog' : undefined}
      aria-modal="true"
      aria-labelledby={titleId}
      aria-describedby={describedBy}
      onKeyDown={trapTab}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <div className="dialog__head">
        {icon}
        <h2 id={titleId} className="dialog__title">
          {title}
        </h2>
      </div>
      {children}
      <div className="dialog__actions">{actions}</div>
    </dialog>
  );
}

/**
 * An alert dialog; its text is its description. With one OK button (e.g. "instant messaging is not possible"), or,
 * given `confirm`, a question: Cancel (which has the focus, so Enter does no harm) and the confirming button.
 */
export function AlertDialog({
  title,
  children,
  onClose,
  confirm,
}: {
  title: string;
  children: ReactNode;
  onClose(): void;
  confirm?: { label: string; onConfirm(): void; busy?: boolean };
}) {
  const okRef = useRef<HTMLButtonElement>(null);
  const textId = useId();
  return (
    <Modal
      title={title}
      role="alertdialog"
      className="dialog dialog--alert"
      describedBy={textId}
      initialFocus={okRef}
      onClose={onClose}
      icon={<TriangleAlert className="dialog__icon" size={20} aria-hidden="true" />}
      actions={
        confirm ? (
          <>
            <Button ref={okRef} onClick={onClose}>
              Cancel
            </Button>
            <Button variant="primary" busy={confirm.busy} onClick={confirm.onConfirm}>
              {confirm.label}
            </Button>
          </>
        ) : (
          <Button ref={okRef} variant="primary" onClick={onClose}>
            OK
          </Button>
        )
      }
    >
      <p id={textId} className="dialog__text sentence">
        {children}
      </p>
    </Modal>
  );
}

/** A dialog with a title, any content and a closing button (`closeLabel`), which has the focus at first. */
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
  return (
    <Modal
      title={title}
      className="dialog"
      initialFocus={closeRef}
      onClose={onClose}
      actions={
        <Button ref={closeRef} variant="primary" onClick={onClose}>
          {closeLabel}
        </Button>
      }
    >
      <div className="dialog__body">{children}</div>
    </Modal>
  );
}

/**
 * A dialog that is one form: its fields (children), Cancel and the submitting button. The first field has the focus
 * at first; `error` is the form's alert (what the server said).
 */
export function FormDialog({
  title,
  children,
  submitLabel,
  onSubmit,
  onClose,
  busy = false,
  error,
}: {
  title: string;
  children: ReactNode;
  submitLabel: string;
  onSubmit(form: FormData): void;
  onClose(): void;
  busy?: boolean;
  error?: string | null;
}) {
  const formRef = useRef<HTMLFormElement>(null);
  const formId = useId();
  // The modal opens first (its effect runs before this one); then the focus goes to the form's first control.
  const noFocus = useRef<HTMLElement | null>(null);
  useEffect(() => {
    formRef.current?.querySelector<HTMLElement>('input, select, textarea')?.focus();
  }, []);
  return (
    <Modal
      title={title}
      className="dialog"
      initialFocus={noFocus}
      onClose={onClose}
      actions={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form={formId} busy={busy}>
            {submitLabel}
          </Button>
        </>
      }
    >
      <form
        ref={formRef}
        id={formId}
        className="dialog__body"
        onSubmit={(event) => {
          event.preventDefault();
          if (!busy) onSubmit(new FormData(event.currentTarget));
        }}
      >
        {error && <FormError>{error}</FormError>}
        {children}
      </form>
    </Modal>
  );
}
