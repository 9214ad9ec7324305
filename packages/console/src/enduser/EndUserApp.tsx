import { Headset, LogOut } from 'lucide-react';
import { type ReactNode, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { usePageLooking } from '../chat/attention';
import { ChatView } from '../chat/ChatView';
import { closedBy, isClosed, operatorSignedOut, unreadCount } from '../chat/chatState';
import { eventText } from '../chat/eventText';
import type { DescribeEvent } from '../chat/MessageLog';
import { Notice } from '../chat/Notice';
import { setPageTitle, setUnreadCount } from '../chat/tabBadge';
import { useChat } from '../chat/useChat';
import { helpDeskTitle } from './helpDesk';
import { PageConnection, type PageStatus } from './pageConnection';
import { agentProved, pageProof, takePageKey } from './pageKey';
import { type PageTarget, pageSocketUrl, pageTarget } from './pageLocation';

/**
 * Events as the end user reads them: their own first "joined" is left out; a drop of their connection and its
 * return are told in their words (both show up once the connection is back and the page catches up).
 */
const describeEvent: DescribeEvent = (entry, { reconnect }) => {
  if (entry.event === 'end_user_connected') return reconnect ? 'You are connected again' : null;
  if (entry.event === 'end_user_disconnected') return 'You were disconnected';
  // The end user is "You" in every line.
  if (entry.event === 'chat_closed' && entry.from?.role === 'end_user') return 'You closed the chat';
  return eventText(entry.event, entry.from);
};

/** Why the page opened: who wants to chat, from where, about which computer. */
export function greetingText(info: {
  operatorName: string;
  organization: string;
  deviceName: string;
}): string {
  const operator = info.operatorName.trim() || 'Someone';
  const organization = info.organization.trim();
  const from = organization ? ` from ${organization}` : ' from the help desk';
  return `${operator}${from} wants to chat about your computer ${info.deviceName}.`;
}

function Chat({ target, pageKey }: { target: PageTarget; pageKey: CryptoKey }) {
  const connection = useMemo(
    () =>
      new PageConnection(pageSocketUrl(window.location), target.chatId, {
        agentProved: (pageNonce, agentNonce, proof) =>
          agentProved(pageKey, target.chatId, pageNonce, agentNonce, proof),
        proof: (agentNonce, pageNonce) => pageProof(pageKey, target.chatId, agentNonce, pageNonce),
      }),
    [target, pageKey],
  );
  useEffect(() => {
    connection.start();
    return () => connection.stop();
  }, [connection]);
  const status: PageStatus = useSyncExternalStore(connection.subscribe, connection.getStatus);
  const { state, controller } = useChat(target.chatId, connection, 'end_user');
  const info = state.info;
  const closed = isClosed(state);
  const looking = usePageLooking();
  const unread = unreadCount(state);
  const heading = helpDeskTitle(info?.organization ?? null);

  useEffect(() => {
    connection.chatOver = closed;
  }, [connection, closed]);
  useEffect(() => controller.setAttention(looking), [controller, looking]);
  useEffect(() => setPageTitle(heading), [heading]);
  useEffect(() => setUnreadCount(unread), [unread]);

  const notices: ReactNode[] = [];
  // P-32: the administrator's words, only when the end user is to be told.
  if (info?.recordingNotice) {
    notices.push(
      <Notice key="recorded" icon="lock">
        {info.recordingNotice}
      </Notice>,
    );
  }
  if (closed) {
    notices.push(
      <Notice key="closed" icon="alert" role="status">
        {closedBy(state.entries) === 'end_user'
          ? 'You closed the chat. You can close this window.'
          : `${info?.operatorName || 'The operator'} left the chat. You can close this window.`}
      </Notice>,
    );
  } else if (status === 'reconnecting') {
    notices.push(
      <Notice key="connection" icon="offline" tone="warning" role="alert">
        Connection to the help desk lost. Reconnecting…
      </Notice>,
    );
  } else if (status === 'ended') {
    notices.push(
      <Notice key="connection" icon="alert" tone="danger" role="alert">
        This chat link is not valid any more. If you still need help, ask your help desk to start the chat
        again.
      </Notice>,
    );
  } else if (status === 'impostor') {
    notices.push(
      <Notice key="connection" icon="alert" tone="danger" role="alert">
        This window lost its help desk connection for good. If the chat goes on, it opens in a new window.
      </Notice>,
    );
  }
  if (!closed && operatorSignedOut(state.entries)) {
    // P-34: the operator signed out; the chat stays open.
    notices.push(
      <Notice key="operator" icon="info" role="status">
        {info?.operatorName || 'The operator'} signed out. You can still write: they see your messages when
        they are back.
      </Notice>,
    );
  }
  const failed = state.pending.filter((message) => message.status === 'failed');
  if (!closed && failed.some((message) => message.autoRetry)) {
    notices.push(
      <Notice key="stalled" icon="offline" tone="warning" role="alert">
        Your messages are not reaching the help desk right now. They are sent when the connection is back.
      </Notice>,
    );
  } else if (!closed && failed.length > 0) {
    notices.push(
      <Notice key="failed" icon="alert" tone="danger" role="alert">
        Your message was not delivered. Use Retry to send it again.
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
            <h1 className="enduser__title">{heading}</h1>
            {/* Until the chat's info came this line is what the page says about its connection. */}
            <p className="enduser__sub" role="status">
              {!info
                ? 'Connecting you to the help desk…'
                : closed
                  ? `Your chat with ${info.operatorName || 'the help desk'} has ended.`
                  : `Hello ${info.endUserName}. ${greetingText(info)}`}
            </p>
          </div>
        </div>
        {!closed && (
          <button
            type="button"
            className="button button--ghost"
            disabled={status !== 'open'}
            onClick={() => controller.close()}
          >
            <LogOut size={16} aria-hidden="true" />
            <span>Close chat</span>
          </button>
        )}
      </header>
      {/* Not before the chat's info came (or a problem did): the greeting it brings makes the header taller, and the
          conversation below would jump down (layout shift) on a slow computer. Once drawn it stays: its info stays. */}
      {(info || notices.length > 0) && (
        <main className="enduser__main">
          <ChatView
            state={state}
            myName="You"
            myLabel="You"
            peerName={info?.operatorName ?? 'The operator'}
            notices={notices.length > 0 ? notices : undefined}
            composerDisabled={closed || status === 'ended' || status === 'impostor' || state.problem !== null}
            onSend={(text) => controller.send(text).ok}
            onRetry={(clientId) => controller.retry(clientId)}
            onInput={(text) => controller.input(text)}
            describeEvent={describeEvent}
            autoFocus
          />
        </main>
      )}
    </div>
  );
}

/** The end-user page the device agent serves at `/chat/<chatId>` on 127.0.0.1. */
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
  return <KeyedChat target={target} />;
}

/** Finds the page key (fragment or this origin's storage) before the chat connects. */
function KeyedChat({ target }: { target: PageTarget }) {
  const [pageKey, setPageKey] = useState<CryptoKey | null | 'loading'>('loading');
  useEffect(() => {
    let current = true;
    void takePageKey(target.chatId, window.location, window.history).then((key) => {
      if (current) setPageKey(key);
    });
    return () => {
      current = false;
    };
  }, [target]);
  if (pageKey === 'loading') return null;
  if (pageKey === null) {
    return (
      <main className="enduser enduser--empty">
        <h1 className="enduser__title">Help desk chat</h1>
        <p role="alert">
          This chat link is not valid any more. The help desk can open the chat again for you.
        </p>
      </main>
    );
  }
  return <Chat target={target} pageKey={pageKey} />;
}
