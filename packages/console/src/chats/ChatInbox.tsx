import { ChevronDown, ChevronUp, MessagesSquare } from 'lucide-react';
import { useEffect, useId, useRef, useState } from 'react';

/**
 * Where a chat is: a window in the dock (shown or minimized), collapsed into the inbox, or in a tab; or ended (its
 * window stays until the operator closes it).
 */
export type ChatPlace = 'window' | 'minimized' | 'collapsed' | 'tab' | 'ended';

export interface InboxChat {
  chatId: string;
  endUserName: string;
  deviceName: string;
  /** The user's messages the operator has not seen (null: not known here). */
  unread: number;
  place: ChatPlace;
}

const PLACE_TEXT: Record<ChatPlace, string> = {
  window: 'Open below',
  minimized: 'Minimized',
  collapsed: 'No room in the dock',
  tab: 'In another tab',
  ended: 'Ended',
};

export function newMessagesText(count: number): string {
  return count === 1 ? '1 new message' : `${count} new messages`;
}

/**
 * "My chats": every chat the operator has open, in the dock or in tabs of their own, with what is unread in each.
 * Windows the dock has no room for are found here; picking one brings it into the dock (or its tab to the front).
 */
export function ChatInbox({ chats, onPick }: { chats: readonly InboxChat[]; onPick(chatId: string): void }) {
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const unread = chats.reduce((sum, chat) => sum + chat.unread, 0);

  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: PointerEvent) => {
      if (event.target instanceof Node && !root.current?.contains(event.target)) setOpen(false);
    };
    // Esc closes the list from within it (the focus goes back to its button).
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || !(event.target instanceof Node) || !root.current?.contains(event.target))
        return;
      event.preventDefault();
      setOpen(false);
      button.current?.focus();
    };
    document.addEventListener('pointerdown', onPointerDown);
    document.addEventListener('keydown', onKeyDown);
    return () => {
      document.removeEventListener('pointerdown', onPointerDown);
      document.removeEventListener('keydown', onKeyDown);
    };
  }, [open]);

  return (
    <div className="inbox" ref={root}>
      {open && (
        <section className="inbox__panel" id={panelId} aria-labelledby={`${panelId}-title`}>
          <h2 className="inbox__title" id={`${panelId}-title`}>
            My chats
          </h2>
          <ul className="inbox__list">
            {chats.map((chat) => (
              <li key={chat.chatId}>
                <button
                  type="button"
                  className="inbox__chat"
                  onClick={() => {
                    setOpen(false);
                    onPick(chat.chatId);
                  }}
                >
                  <span className="inbox__who">
                    <span className="inbox__user">{chat.endUserName}</span>
                    <span className="inbox__device"> on {chat.deviceName}</span>
                  </span>
                  <span className="inbox__where">
                    <span className="visually-hidden">, </span>
                    {PLACE_TEXT[chat.place]}
                  </span>
                  {chat.unread > 0 && (
                    <span className="inbox__unread">
                      <span className="visually-hidden">, </span>
                      {newMessagesText(chat.unread)}
                    </span>
                  )}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      <button
        ref={button}
        type="button"
        className="inbox__button"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        onClick={() => setOpen((current) => !current)}
      >
        <MessagesSquare size={16} aria-hidden="true" />
        <span>My chats</span>
        <span className="inbox__count">
          <span className="visually-hidden">(</span>
          {chats.length}
          <span className="visually-hidden"> open)</span>
        </span>
        {unread > 0 && (
          <span className="inbox__badge">
            <span aria-hidden="true">{unread > 99 ? '99+' : unread}</span>
            <span className="visually-hidden">{newMessagesText(unread)}</span>
          </span>
        )}
        {open ? <ChevronDown size={14} aria-hidden="true" /> : <ChevronUp size={14} aria-hidden="true" />}
      </button>
    </div>
  );
}
