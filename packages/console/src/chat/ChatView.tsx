import { type ReactNode, useMemo } from 'react';
import { Composer } from './Composer';
import { type ChatState, otherRole, timeline } from './chatState';
import { typingText } from './eventText';
import { type DescribeEvent, MessageLog } from './MessageLog';

export interface ChatViewProps {
  state: ChatState;
  /** Shown on this side's messages the server has not echoed yet. */
  myName: string;
  /** Shown instead of the sender's name on this side's stored messages too (the end user is "You"). */
  myLabel?: string;
  /** The other side's name, for "… is typing…". */
  peerName: string;
  /** Banners above the conversation (connection, presence, closed…); each side chooses its own. */
  notices?: ReactNode;
  composerDisabled: boolean;
  /** The box stays usable but nothing can be sent now (the other side is away). */
  sendDisabled?: boolean;
  onSend(text: string): boolean;
  onRetry(clientId: string): void;
  onInput(text: string): void;
  describeEvent?: DescribeEvent;
  autoFocus?: boolean | number;
  visible?: boolean;
  placeholder?: string;
}

/** The conversation and the message box, without any frame around them (the console window and the end-user page wrap it). */
export function ChatView({
  state,
  myName,
  myLabel,
  peerName,
  notices,
  composerDisabled,
  sendDisabled,
  onSend,
  onRetry,
  onInput,
  describeEvent,
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
        myLabel={myLabel}
        peerReceipts={state.receipts[otherRole(state.myRole)]}
        onRetry={onRetry}
        retryDisabled={closed || sendDisabled === true}
        describeEvent={describeEvent}
        visible={visible}
      />
      <div className="chat-typing" aria-live="polite">
        {state.peerTyping ? typingText(peerName) : ''}
      </div>
      <Composer
        disabled={composerDisabled}
        sendDisabled={sendDisabled}
        onSend={onSend}
        onInput={onInput}
        autoFocus={autoFocus}
        placeholder={placeholder}
      />
    </div>
  );
}
