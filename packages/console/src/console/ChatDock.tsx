import { useEffect, useRef } from 'react';
import type { ChatTransport } from '../chat/transport';
import { ChatWindow } from './ChatWindow';
import type { DockedChat } from './dockState';

/** The chat windows, docked side by side at the bottom right of the console. */
export function ChatDock({
  chats,
  transportFor,
  focusChatId,
  onToggleMinimized,
  onRemove,
  onPopOut,
}: {
  chats: readonly DockedChat[];
  transportFor(chatId: string): ChatTransport;
  /** The chat just opened by the operator: its message box takes the focus. */
  focusChatId: string | null;
  onToggleMinimized(chatId: string): void;
  onRemove(chatId: string): void;
  onPopOut(chatId: string): void;
}) {
  const ref = useRef<HTMLDivElement>(null);

  // The page keeps room for the dock and scrolls what gets focus clear of it (--dock-height, see console.css).
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
    <div className="dock" ref={ref} hidden={chats.length === 0}>
      {chats.map((docked) => (
        <ChatWindow
          key={docked.chatId}
          docked={docked}
          transport={transportFor(docked.chatId)}
          autoFocus={docked.chatId === focusChatId}
          onToggleMinimized={() => onToggleMinimized(docked.chatId)}
          onRemove={() => onRemove(docked.chatId)}
          onPopOut={() => onPopOut(docked.chatId)}
        />
      ))}
    </div>
  );
}
