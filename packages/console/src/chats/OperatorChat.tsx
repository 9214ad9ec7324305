import { useMutation } from '@tanstack/react-query';
import { Fragment, type ReactNode, useMemo } from 'react';
import { ChatView } from '../chat/ChatView';
import { endUserPresence, isClosed, pageFailure } from '../chat/chatState';
import { disconnectedText, eventText, reconnectedText, waitingText } from '../chat/eventText';
import type { DescribeEvent } from '../chat/MessageLog';
import { Notice } from '../chat/Notice';
import type { UseChat } from '../chat/useChat';
import { Button } from '../kit/Button';
import { openChat } from './chatQueries';

/** 5a: the agent could not show the chat to the end user; Retry asks it again (Instant Messaging once more). */
function PageFailedNotice({
  deviceId,
  deviceName,
  endUserName,
  reason,
}: {
  deviceId: string;
  deviceName: string;
  endUserName: string;
  reason: string;
}) {
  // Again with the same person: on a computer several people use, never someone else.
  const retry = useMutation({ mutationFn: (id: string) => openChat(id, endUserName) });
  const problem = retry.error?.message;
  return (
    <Notice icon="alert" tone="danger" role="alert">
      <span className="sentence">
        The chat could not be shown on {deviceName}: {reason}
        {problem ? ` (${problem})` : ''}
      </span>{' '}
      <Button variant="link" onClick={() => retry.mutate(deviceId)} disabled={retry.isPending}>
        Retry
      </Button>
    </Notice>
  );
}

/** Why a closed chat ended, as the operator reads it: the user closed it, the operator did, or nobody (revoked…). */
function endedText(state: UseChat['state'], endUserName: string): string {
  const closing = state.entries.findLast((entry) => entry.kind === 'event' && entry.event === 'chat_closed');
  const role = closing?.kind === 'event' ? (closing.from?.role ?? null) : null;
  if (role === 'end_user') return `${endUserName} closed the chat.`;
  if (role === 'operator') return 'You closed the chat.';
  return 'The chat has ended.';
}

/** The banners the operator sees above a conversation. */
function operatorNotices(chat: UseChat, endUserName: string, ending: ReactNode): ReactNode[] {
  const { state } = chat;
  const notices: ReactNode[] = [];
  if (ending) notices.push(<Fragment key="ending">{ending}</Fragment>);
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
  const failed = state.pending.filter((message) => message.status === 'failed').length;
  if (failed > 0) {
    notices.push(
      <Notice key="failed" icon="alert" tone="danger" role="alert">
        {failed === 1 ? 'A message was not delivered.' : `${failed} messages were not delivered.`} Use Retry
        to send it again.
      </Notice>,
    );
  }
  if (!state.info) return notices;
  if (state.info.recorded && !isClosed(state)) {
    notices.push(
      <Notice key="recorded" icon="lock">
        This chat is recorded.
      </Notice>,
    );
  }
  const presence = endUserPresence(state.entries);
  const failure = isClosed(state) ? null : pageFailure(state.entries);
  if (failure !== null) {
    notices.push(
      <PageFailedNotice
        key="page-failed"
        deviceId={state.info.deviceId}
        deviceName={state.info.deviceName}
        endUserName={state.info.endUserName}
        reason={failure}
      />,
    );
  } else if (isClosed(state)) {
    // The user closing the chat is no network trouble: say who ended it, not "disconnected".
    notices.push(
      <Notice key="presence" icon="info" role="status">
        {endedText(state, endUserName)}
      </Notice>,
    );
  } else if (presence === 'disconnected') {
    // The manual's words, for a page that dropped (network trouble, the window closed without ending the chat).
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

/** Events as the operator reads them: the end user by their name in every line. */
function describeFor(endUserName: string): DescribeEvent {
  return (entry, { reconnect }) => {
    const name = entry.from?.role === 'end_user' ? entry.from.name.trim() || endUserName : endUserName;
    if (entry.event === 'end_user_connected')
      return reconnect ? reconnectedText(name) : eventText(entry.event, { role: 'end_user', name });
    if (entry.event === 'end_user_disconnected') return disconnectedText(name);
    return eventText(entry.event, entry.from);
  };
}

/** A chat as the operator sees it (in a docked window or full page). */
export function OperatorChat({
  chat,
  endUserName,
  visible = true,
  autoFocus = false,
  ending = null,
}: {
  chat: UseChat;
  endUserName: string;
  visible?: boolean;
  autoFocus?: boolean | number;
  /** Closing asks first (EndChat): the question or the undo bar, shown first. */
  ending?: ReactNode;
}) {
  const { state, controller } = chat;
  const notices = operatorNotices(chat, endUserName, ending);
  const describeEvent = useMemo(() => describeFor(endUserName), [endUserName]);
  const closed = isClosed(state);
  // While the user is away the operator can still write; Send comes back with them (what was sent just before the
  // drop is delivered when they are back, or shown as not delivered).
  const away = !closed && state.info !== null && endUserPresence(state.entries) === 'disconnected';
  return (
    <ChatView
      state={state}
      myName={state.info?.operatorName ?? 'You'}
      peerName={endUserName}
      notices={notices.length > 0 ? notices : undefined}
      composerDisabled={closed || state.problem !== null}
      sendDisabled={away}
      onSend={(text) => controller.send(text).ok}
      onRetry={(clientId) => controller.retry(clientId)}
      onInput={(text) => controller.input(text)}
      describeEvent={describeEvent}
      visible={visible}
      autoFocus={autoFocus}
      placeholder={away ? `${endUserName} is disconnected. You can send when they are back.` : undefined}
    />
  );
}
