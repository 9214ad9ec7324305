import { MAX_MESSAGE_CHARS } from '@parley/protocol';
import { SendHorizontal } from 'lucide-react';
import { type FormEvent, type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';

/** Shows how many characters are left once a message gets this close to the limit. */
const COUNT_FROM = MAX_MESSAGE_CHARS - 500;

export interface ComposerProps {
  /** Nothing can be written (the chat is over). */
  disabled: boolean;
  /** Writing is fine, sending is not (e.g. the user is disconnected): the text stays in the box. */
  sendDisabled?: boolean;
  /** Returns true when the text was taken (then the box is cleared). */
  onSend(text: string): boolean;
  onInput(text: string): void;
  /** Focus the box when this becomes true, or changes to another number (a new request to focus it). */
  autoFocus?: boolean | number;
  placeholder?: string;
}

/** The message box: Enter sends, Shift+Enter starts a new line. */
export function Composer({
  disabled,
  sendDisabled = false,
  onSend,
  onInput,
  autoFocus = false,
  placeholder,
}: ComposerProps) {
  const [text, setText] = useState('');
  const id = useId();
  const countId = useId();
  const boxRef = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (autoFocus !== false) boxRef.current?.focus();
  }, [autoFocus]);

  const submit = () => {
    if (disabled || sendDisabled) return;
    if (onSend(text)) setText('');
    boxRef.current?.focus();
  };

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    submit();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  const left = MAX_MESSAGE_CHARS - text.length;
  return (
    <form className="composer" onSubmit={onSubmit}>
      <label className="visually-hidden" htmlFor={id}>
        Message
      </label>
      <textarea
        ref={boxRef}
        id={id}
        className="composer__box"
        rows={1}
        value={text}
        disabled={disabled}
        maxLength={MAX_MESSAGE_CHARS}
        placeholder={placeholder ?? 'Type a message…'}
        aria-describedby={text.length >= COUNT_FROM ? countId : undefined}
        onChange={(event) => {
          setText(event.target.value);
          onInput(event.target.value);
        }}
        onKeyDown={onKeyDown}
      />
      <button
        type="submit"
        className="button button--primary composer__send"
        disabled={disabled || sendDisabled}
      >
        <SendHorizontal size={16} aria-hidden="true" />
        <span>Send</span>
      </button>
      {text.length >= COUNT_FROM && (
        <p id={countId} className="composer__count">
          {left === 1 ? '1 character left' : `${left} characters left`}
        </p>
      )}
    </form>
  );
}
