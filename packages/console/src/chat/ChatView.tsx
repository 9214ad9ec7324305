import { type ReactNode, useMemo } from 'react';
import { Composer } from './Composer';
import { type ChatState, timeline } from './chatState';
import { typingText } from './eventText';
import { type EventEntry, MessageLog } from './MessageLog';

export interface ChatViewProps {
  state: ChatState;
  /** Shown on this side's messages the server has not echoed yet. */
  myName: string;
  /** The other side's name, for "… is typing…". */
  peerName: string;
  /** Banners above the conversation (connection, presence, closed…); each side chooses its own. */
  notices?: ReactNode;
  composerDisabled: boolean;
  onSend(text: string): boolean;
  onRetry(clientId: string): void;
  onInput(text: string): void;
  hideEvent?: (entry: EventEntry) => boolean;
  autoFocus?: boolean;
  visible?: boolean;
  placeholder?: string;
}

/** The conversation and the message box, without any frame around them (the console window and the end-user page wrap it). */
export function ChatView({
  state,
  myName,
  peerName,
  notices,
  composerDisabled,
  onSend,
  onRetry,
  onInput,
  hideEvent,
  autoFocus,
  visible = true,
  placeholder,
}: ChatViewProps) {
  const closed = state.info?.status === 'closed';
  const { entries, pending } = state;
  const items = useMemo(() => timeline({ entries, pending }), [entries, pending]);
  return (
    <div className="chat-view">
      {notices && <div className="chat-view__notices">{notices}</div>}
      <MessageLog
        items={items}
        myRole={state.myRole}
        myName={myName}
        onRetry={onRetry}
        retryDisabled={closed}
        hideEvent={hideEvent}
        visible={visible}
      />
      <div className="chat-typing" aria-live="polite">
        {state.peerTyping ? typingText(peerName) : ''}
      </div>
      <Composer
        disabled={composerDisabled}
        onSend={onSend}
        onInput={onInput}
        autoFocus={autoFocus}
        placeholder={placeholder}
      />
    </div>
  );
}
