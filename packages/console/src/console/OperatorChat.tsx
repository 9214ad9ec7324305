import type { ReactNode } from 'react';
import { ChatView } from '../chat/ChatView';
import { endUserPresence, isClosed } from '../chat/chatState';
import { waitingText } from '../chat/eventText';
import { Notice } from '../chat/Notice';
import type { UseChat } from '../chat/useChat';

/** The banners the operator sees above a conversation. */
function operatorNotices(chat: UseChat, endUserName: string): ReactNode[] {
  const { state } = chat;
  const notices: ReactNode[] = [];
  if (!state.connected) {
    notices.push(
      <Notice key="connection" icon="offline" tone="warning" role="status">
        {state.info ? 'Reconnecting…' : 'Connecting…'}
      </Notice>,
    );
  }
  if (state.problem) {
    notices.push(
      <Notice key="problem" icon="alert" tone="danger" role="alert">
        <span className="sentence">{state.problem.message}</span>
      </Notice>,
    );
    return notices;
  }
  if (!state.info) return notices;
  const presence = endUserPresence(state.entries);
  if (isClosed(state) || presence === 'disconnected') {
    notices.push(
      <Notice key="presence" icon="offline" tone="danger" role="alert">
        User is disconnected
      </Notice>,
    );
  } else if (presence === 'unknown') {
    notices.push(
      <Notice key="presence" icon="waiting" role="status">
        {waitingText(endUserName)}
      </Notice>,
    );
  }
  return notices;
}

/** A chat as the operator sees it (in a docked window or full page). */
export function OperatorChat({
  chat,
  endUserName,
  visible = true,
  autoFocus = false,
}: {
  chat: UseChat;
  endUserName: string;
  visible?: boolean;
  autoFocus?: boolean;
}) {
  const { state, controller } = chat;
  const notices = operatorNotices(chat, endUserName);
  return (
    <ChatView
      state={state}
      myName={state.info?.operatorName ?? 'You'}
      peerName={endUserName}
      notices={notices.length > 0 ? notices : undefined}
      composerDisabled={isClosed(state) || state.problem !== null}
      onSend={(text) => controller.send(text).ok}
      onRetry={(clientId) => controller.retry(clientId)}
      onInput={(text) => controller.input(text)}
      visible={visible}
      autoFocus={autoFocus}
    />
  );
}
