import { useMutation } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ChatView } from '../chat/ChatView';
import { endUserPresence, isClosed, pageFailure } from '../chat/chatState';
import { eventText, reconnectedText, waitingText } from '../chat/eventText';
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
  } else if (isClosed(state) || presence === 'disconnected') {
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

const describeEvent: DescribeEvent = (entry, { reconnect }) =>
  reconnect ? reconnectedText(entry.from?.name.trim() || null) : eventText(entry.event, entry.from);

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
  autoFocus?: boolean | number;
}) {
  const { state, controller } = chat;
  const notices = operatorNotices(chat, endUserName);
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
      placeholder={away ? 'The user is disconnected. You can send when they are back.' : undefined}
    />
  );
}
