import { lazy, Suspense, useEffect, useRef } from 'react';
import type { ChatTransport } from '../chat/transport';
import { ChatInbox, type InboxChat } from './ChatInbox';
import type { WindowStatus } from './ChatWindow';
import './chats.css';
import type { DockedChat } from './dockState';

/** A window's code loads with the first window (a console with no chat open never needs it). */
const ChatWindow = lazy(() => import('./ChatWindow').then((m) => ({ default: m.ChatWindow })));

/**
 * The chat windows, docked side by side at the bottom right of the console, one per chat, and the inbox of every
 * open chat beside them. Windows with no room are collapsed into the inbox (kept, hidden: they still count what
 * arrives).
 */
export function ChatDock({
  chats,
  collapsed,
  inbox,
  onPick,
  restored,
  transportFor,
  focus,
  operatorId,
  onToggleMinimized,
  onShow,
  onRemove,
  onPopOut,
  onStatus,
}: {
  chats: readonly DockedChat[];
  /** The window has no room in the dock: it is hidden, and found in the inbox. */
  collapsed(chatId: string): boolean;
  inbox: readonly InboxChat[];
  onPick(chatId: string): void;
  /** The windows of the operator's open chats have been put back (after a reload or in a new tab). */
  restored: boolean;
  transportFor(chatId: string): ChatTransport;
  /** The chat the operator just opened or went back to: its message box takes the focus (n: each request). */
  focus: { chatId: string; n: number } | null;
  operatorId: string;
  onToggleMinimized(chatId: string): void;
  onShow(chatId: string): void;
  onRemove(chatId: string): void;
  onPopOut(chatId: string): void;
  onStatus(chatId: string, status: WindowStatus): void;
}) {
  const ref = useRef<HTMLDivElement>(null);

  // The page keeps room for the dock and scrolls what gets focus clear of it (--dock-height, see chats.css and app.css).
  useEffect(() => {
    const dock = ref.current;
    const root = document.documentElement;
    if (!dock || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => {
      root.style.setProperty('--dock-height', `${Math.ceil(dock.getBoundingClientRect().height)}px`);
    });
    observer.observe(dock);
    return () => {
      observer.disconnect();
      root.style.removeProperty('--dock-height');
    };
  }, []);

  return (
    <div
      className="dock"
      ref={ref}
      hidden={chats.length === 0 && inbox.length === 0}
      data-restored={restored || undefined}
    >
      <div className="dock__windows">
        {chats.map((docked) => (
          <Suspense key={docked.chatId} fallback={null}>
            <ChatWindow
              docked={docked}
              collapsed={collapsed(docked.chatId)}
              transport={transportFor(docked.chatId)}
              autoFocus={focus?.chatId === docked.chatId ? focus.n : false}
              operatorId={operatorId}
              onToggleMinimized={() => onToggleMinimized(docked.chatId)}
              onShow={() => onShow(docked.chatId)}
              onRemove={() => onRemove(docked.chatId)}
              onPopOut={() => onPopOut(docked.chatId)}
              onStatus={(status) => onStatus(docked.chatId, status)}
            />
          </Suspense>
        ))}
      </div>
      {inbox.length > 0 && <ChatInbox chats={inbox} onPick={onPick} />}
    </div>
  );
}
