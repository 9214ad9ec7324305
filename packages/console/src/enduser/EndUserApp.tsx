import { Headset, LogOut } from 'lucide-react';
import { type ReactNode, useEffect, useMemo, useSyncExternalStore } from 'react';
import { ChatView } from '../chat/ChatView';
import { closedBy, isClosed } from '../chat/chatState';
import { Notice } from '../chat/Notice';
import { useChat } from '../chat/useChat';
import { PageConnection, type PageStatus } from './pageConnection';
import { type PageTarget, pageSocketUrl, pageTarget } from './pageLocation';

/** Events about the end user's own presence: the operator needs them, the end user does not. */
const OWN_PRESENCE = new Set(['end_user_connected', 'end_user_disconnected']);

function Chat({ target }: { target: PageTarget }) {
  const connection = useMemo(() => new PageConnection(pageSocketUrl(window.location, target)), [target]);
  useEffect(() => {
    connection.start();
    return () => connection.stop();
  }, [connection]);
  const status: PageStatus = useSyncExternalStore(connection.subscribe, connection.getStatus);
  const { state, controller } = useChat(target.chatId, connection, 'end_user');
  const info = state.info;
  const closed = isClosed(state);

  useEffect(() => {
    connection.chatOver = closed;
  }, [connection, closed]);

  const notices: ReactNode[] = [];
  if (info?.recorded) {
    notices.push(
      <Notice key="recorded" icon="info">
        This conversation is recorded
      </Notice>,
    );
  }
  if (closed) {
    notices.push(
      <Notice key="closed" icon="alert" role="status">
        {closedBy(state.entries) === 'end_user'
          ? 'You closed the chat. You can close this window.'
          : 'The operator left the chat'}
      </Notice>,
    );
  } else if (status === 'connecting') {
    notices.push(
      <Notice key="connection" icon="waiting" role="status">
        Connecting…
      </Notice>,
    );
  } else if (status === 'reconnecting') {
    notices.push(
      <Notice key="connection" icon="offline" tone="warning" role="status">
        Reconnecting…
      </Notice>,
    );
  } else if (status === 'ended') {
    notices.push(
      <Notice key="connection" icon="alert" tone="danger" role="alert">
        This chat link is not valid any more.
      </Notice>,
    );
  }
  if (state.problem) {
    notices.push(
      <Notice key="problem" icon="alert" tone="danger" role="alert">
        <span className="sentence">{state.problem.message}</span>
      </Notice>,
    );
  }

  return (
    <div className="enduser">
      <header className="enduser__head">
        <div className="enduser__who">
          <span className="enduser__avatar" aria-hidden="true">
            <Headset size={20} />
          </span>
          <div>
            <h1 className="enduser__title">Help desk chat</h1>
            <p className="enduser__sub">
              {info ? `You are chatting with ${info.operatorName}` : 'Connecting you to the help desk…'}
            </p>
          </div>
        </div>
        <button
          type="button"
          className="button button--ghost"
          disabled={closed || status !== 'open'}
          onClick={() => controller.close()}
        >
          <LogOut size={16} aria-hidden="true" />
          <span>Close chat</span>
        </button>
      </header>
      <main className="enduser__main">
        <ChatView
          state={state}
          myName={info?.endUserName ?? 'You'}
          peerName={info?.operatorName ?? 'The operator'}
          notices={notices.length > 0 ? notices : undefined}
          composerDisabled={closed || status === 'ended' || state.problem !== null}
          onSend={(text) => controller.send(text).ok}
          onRetry={(clientId) => controller.retry(clientId)}
          onInput={(text) => controller.input(text)}
          hideEvent={(entry) => OWN_PRESENCE.has(entry.event)}
          autoFocus
        />
      </main>
    </div>
  );
}

/** The end-user page the device agent serves at `/chat/<chatId>?token=<secret>` on 127.0.0.1. */
export function EndUserApp() {
  const target = useMemo(() => pageTarget(window.location), []);
  if (!target) {
    return (
      <main className="enduser enduser--empty">
        <h1 className="enduser__title">Help desk chat</h1>
        <p role="alert">
          This chat link is incomplete. Open the chat again from the notification on your computer.
        </p>
      </main>
    );
  }
  return <Chat target={target} />;
}
