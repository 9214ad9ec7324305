import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { Button } from '../kit/Button';

/** How long an ended chat that is not recorded can be taken back before it really ends. */
export const UNDO_MS = 5000;

export const END_QUESTION = 'End the conversation for both of you?';

type Stage = { kind: 'idle' } | { kind: 'confirm' } | { kind: 'undo'; until: number };

export interface EndChat {
  /** Close was chosen: ask first. */
  ask(): void;
  /** The question, or the undo bar, to show above the conversation (null: nothing asked). */
  panel: ReactNode;
}

/**
 * Ending a chat, asked once: "End the conversation for both of you?". A recorded chat ends at once and the operator
 * is told where its transcript is; one that is not recorded (its messages go when it ends) waits UNDO_MS with Undo
 * before it really ends. A window that goes away while it waits ends the chat then (the operator chose to).
 */
export function useEndChat({
  recorded,
  end,
}: {
  recorded: boolean;
  /** Ends the chat for real (sends the close and takes the window away). */
  end(): void;
}): EndChat {
  const [stage, setStage] = useState<Stage>({ kind: 'idle' });
  const endRef = useRef(end);
  endRef.current = end;
  const confirmRef = useRef<HTMLButtonElement>(null);
  const undoRef = useRef<HTMLButtonElement>(null);
  const detailId = useId();
  const waiting = useRef(false);
  waiting.current = stage.kind === 'undo';

  useEffect(() => {
    if (stage.kind === 'confirm') confirmRef.current?.focus();
    if (stage.kind !== 'undo') return;
    undoRef.current?.focus();
    const timer = setTimeout(() => {
      waiting.current = false;
      setStage({ kind: 'idle' });
      endRef.current();
    }, stage.until - Date.now());
    return () => clearTimeout(timer);
  }, [stage]);

  // Going away while Undo is offered: the operator chose to end it (once: not again after it ended).
  useEffect(
    () => () => {
      if (waiting.current) endRef.current();
    },
    [],
  );

  const confirm = () => {
    if (recorded) {
      setStage({ kind: 'idle' });
      end();
    } else {
      setStage({ kind: 'undo', until: Date.now() + UNDO_MS });
    }
  };

  let panel: ReactNode = null;
  if (stage.kind === 'confirm') {
    panel = (
      <div
        className="end-chat"
        role="alertdialog"
        aria-label="End the chat"
        aria-describedby={detailId}
        onKeyDown={(event) => {
          if (event.key !== 'Escape') return;
          event.preventDefault();
          setStage({ kind: 'idle' });
        }}
      >
        <p className="end-chat__question">{END_QUESTION}</p>
        <p className="end-chat__detail" id={detailId}>
          {recorded
            ? 'This chat is recorded: its transcript stays in Past conversations.'
            : 'This chat is not recorded: its messages are deleted when it ends.'}
        </p>
        <div className="end-chat__buttons">
          <Button ref={confirmRef} variant="primary" small onClick={confirm}>
            End chat
          </Button>
          <Button small onClick={() => setStage({ kind: 'idle' })}>
            Keep chatting
          </Button>
        </div>
      </div>
    );
  } else if (stage.kind === 'undo') {
    panel = (
      <div className="end-chat" role="status">
        <p className="end-chat__question">The chat ends in a few seconds.</p>
        <div className="end-chat__buttons">
          <Button ref={undoRef} small onClick={() => setStage({ kind: 'idle' })}>
            Undo
          </Button>
          <Button
            variant="link"
            small
            onClick={() => {
              waiting.current = false;
              setStage({ kind: 'idle' });
              end();
            }}
          >
            End now
          </Button>
        </div>
      </div>
    );
  }
  return {
    ask: () => setStage((current) => (current.kind === 'idle' ? { kind: 'confirm' } : current)),
    panel,
  };
}
