import { ArrowLeft, X } from 'lucide-react';
import { useEffect, useRef } from 'react';
import { useAlertSettings } from '../alerts/alertsContext';
import { alertNewMessages, notificationContent } from '../alerts/notify';
import { useConsoleSocket } from '../api/socketContext';
import { Link } from '../app/router';
import { href, type ScreenProps } from '../app/routes';
import { usePageLooking } from '../chat/attention';
import { unreadCount } from '../chat/chatState';
import { chatTitle } from '../chat/eventText';
import { setPageTitle, setUnreadCount } from '../chat/tabBadge';
import { useChat } from '../chat/useChat';
import { Button } from '../kit/Button';
import { type ClaimChannel, openClaimChannel } from './chatClaims';
import { useEndChat } from './EndChat';
import { OperatorChat } from './OperatorChat';
import { UnreadDot } from './UnreadDot';
import './chats.css';

/**
 * `/chats/<chatId>`: the same chat as a docked window, full page (the window's "Open in new tab"). It tells the
 * other tabs it holds the chat, so no dock keeps a second live copy; while the tab is in the background what arrives
 * is unread: a dot, the count in the tab's title and icon, and the alerts the operator chose.
 */
export function ChatPage({ params: { chatId } }: ScreenProps<'/chats/:chatId'>) {
  const chat = useChat(chatId, useConsoleSocket().chatTransport(chatId), 'operator');
  const alerts = useAlertSettings();
  const { state, controller } = chat;
  const info = state.info;
  const title = info ? chatTitle(info.endUserName, info.deviceName) : 'Chat';
  const closed = info?.status === 'closed';
  const looking = usePageLooking();
  const unread = unreadCount(state);

  useEffect(() => {
    setPageTitle(`${title} · Parley`);
  }, [title]);
  useEffect(() => setUnreadCount(unread), [unread]);
  useEffect(() => controller.setAttention(looking), [controller, looking]);

  // The claim carries what is unread here, for the dock's inbox in the other tabs.
  const unreadNow = useRef(unread);
  unreadNow.current = unread;
  const claims = useRef<ClaimChannel | null>(null);
  useEffect(() => {
    const claim = () => channel?.post({ type: 'claim', chatId, unread: unreadNow.current });
    const channel = openClaimChannel((message) => {
      if (message.type === 'who') claim();
      if (message.type === 'focus' && message.chatId === chatId) window.focus();
    });
    claims.current = channel;
    claim();
    const release = () => channel?.post({ type: 'release', chatId });
    window.addEventListener('pagehide', release);
    return () => {
      window.removeEventListener('pagehide', release);
      release();
      channel?.close();
      claims.current = null;
    };
  }, [chatId]);
  useEffect(() => claims.current?.post({ type: 'claim', chatId, unread }), [chatId, unread]);

  const ending = useEndChat({ recorded: info?.recorded ?? false, end: () => controller.close() });

  const latest = useRef({ alerts, info });
  latest.current = { alerts, info };
  useEffect(
    () =>
      controller.onPeerMessages((messages) => {
        const { alerts, info } = latest.current;
        const content = notificationContent(
          info?.endUserName ?? 'The user',
          info?.deviceName ?? 'their device',
          messages.map((message) => message.text),
        );
        alertNewMessages(alerts, { chatId, ...content, onClick: () => {} });
      }),
    [controller, chatId],
  );

  return (
    <section className="chat-page" aria-label={title}>
      <div className="chat-page__head">
        <Link className="back-link" to={href('devices')}>
          <ArrowLeft size={16} aria-hidden="true" />
          <span>Devices</span>
        </Link>
        <h1 className="chat-page__title">{title}</h1>
        {unread > 0 && <UnreadDot count={unread} />}
        <Button icon={X} onClick={ending.ask} disabled={closed}>
          Close
        </Button>
      </div>
      <div className="chat-page__body">
        <OperatorChat
          chat={chat}
          endUserName={info?.endUserName ?? 'the user'}
          autoFocus
          ending={ending.panel}
        />
      </div>
    </section>
  );
}
