import { ArrowLeft, X } from 'lucide-react';
import { useEffect } from 'react';
import { chatTitle } from '../chat/eventText';
import type { ChatTransport } from '../chat/transport';
import { useChat } from '../chat/useChat';
import { OperatorChat } from './OperatorChat';

/** `/chats/<chatId>`: the same chat as a docked window, full page (the window's "Open in new tab"). */
export function ChatPage({ chatId, transport }: { chatId: string; transport: ChatTransport }) {
  const chat = useChat(chatId, transport, 'operator');
  const info = chat.state.info;
  const title = info ? chatTitle(info.endUserName, info.deviceName) : 'Chat';
  const closed = info?.status === 'closed';

  useEffect(() => {
    document.title = `${title} · Parley`;
  }, [title]);

  return (
    <section className="chat-page" aria-label={title}>
      <div className="chat-page__head">
        <a className="back-link" href="/">
          <ArrowLeft size={16} aria-hidden="true" />
          <span>Devices</span>
        </a>
        <h1 className="chat-page__title">{title}</h1>
        <button
          type="button"
          className="button button--ghost"
          onClick={() => chat.controller.close()}
          disabled={closed}
        >
          <X size={16} aria-hidden="true" />
          <span>Close</span>
        </button>
      </div>
      <div className="chat-page__body">
        <OperatorChat chat={chat} endUserName={info?.endUserName ?? 'the user'} autoFocus />
      </div>
    </section>
  );
}
