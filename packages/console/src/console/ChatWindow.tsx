import { ChevronUp, ExternalLink, MessageSquareText, Minus, MoveDiagonal2, X } from 'lucide-react';
import { type KeyboardEvent, type PointerEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { chatTitle } from '../chat/eventText';
import type { ChatTransport } from '../chat/transport';
import { useChat } from '../chat/useChat';
import type { DockedChat } from './dockState';
import { OperatorChat } from './OperatorChat';
import { clampSize, loadSize, resizeFromTopLeft, type Size, saveSize } from './windowSize';

function viewport(): Size {
  return { width: window.innerWidth, height: window.innerHeight };
}

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

const KEY_STEP = 24;

/** The drag handle in a chat window's top-left corner (pointer drag; arrow keys when focused). */
function ResizeHandle({ size, onResize }: { size: Size; onResize(size: Size, done: boolean): void }) {
  const drag = useRef<{ x: number; y: number; start: Size } | null>(null);

  const onPointerDown = (event: PointerEvent<HTMLButtonElement>) => {
    if (event.button !== 0) return;
    event.preventDefault();
    event.currentTarget.setPointerCapture(event.pointerId);
    drag.current = { x: event.clientX, y: event.clientY, start: size };
  };
  const onPointerMove = (event: PointerEvent<HTMLButtonElement>) => {
    const d = drag.current;
    if (!d) return;
    onResize(
      clampSize(resizeFromTopLeft(d.start, event.clientX - d.x, event.clientY - d.y), viewport()),
      false,
    );
  };
  const onPointerEnd = (event: PointerEvent<HTMLButtonElement>) => {
    const d = drag.current;
    if (!d) return;
    drag.current = null;
    if (event.currentTarget.hasPointerCapture(event.pointerId)) {
      event.currentTarget.releasePointerCapture(event.pointerId);
    }
    onResize(
      clampSize(resizeFromTopLeft(d.start, event.clientX - d.x, event.clientY - d.y), viewport()),
      true,
    );
  };
  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>) => {
    const change: Record<string, [number, number]> = {
      ArrowLeft: [KEY_STEP, 0],
      ArrowRight: [-KEY_STEP, 0],
      ArrowUp: [0, KEY_STEP],
      ArrowDown: [0, -KEY_STEP],
    };
    const step = change[event.key];
    if (!step) return;
    event.preventDefault();
    onResize(clampSize({ width: size.width + step[0], height: size.height + step[1] }, viewport()), true);
  };

  return (
    <button
      type="button"
      className="resize-handle"
      aria-label="Resize chat window"
      title="Drag to resize (or use the arrow keys)"
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerEnd}
      onPointerCancel={onPointerEnd}
      onKeyDown={onKeyDown}
    >
      <MoveDiagonal2 size={12} aria-hidden="true" />
    </button>
  );
}

function IconButton({
  label,
  onClick,
  pressed,
  children,
}: {
  label: string;
  onClick(): void;
  pressed?: boolean;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      className="icon-button"
      aria-label={label}
      title={label}
      aria-pressed={pressed}
      onClick={onClick}
    >
      {children}
    </button>
  );
}

export interface ChatWindowProps {
  docked: DockedChat;
  transport: ChatTransport;
  autoFocus: boolean;
  onToggleMinimized(): void;
  /** Takes the window out of the dock (after Close has ended the chat). */
  onRemove(): void;
  onPopOut(): void;
}

/** A docked chat window: title bar (resize, minimize, open in new tab, close) and the conversation. */
export function ChatWindow({
  docked,
  transport,
  autoFocus,
  onToggleMinimized,
  onRemove,
  onPopOut,
}: ChatWindowProps) {
  const chat = useChat(docked.chatId, transport, 'operator');
  const info = chat.state.info;
  const endUserName = info?.endUserName ?? docked.endUserName ?? 'the user';
  const deviceName = info?.deviceName ?? docked.deviceName ?? 'the device';
  const title = chatTitle(endUserName, deviceName);
  const [size, setSize] = useState<Size>(() => clampSize(loadSize(storage()), viewport()));
  const minimized = docked.minimized;

  useEffect(() => {
    const onViewport = () => setSize((current) => clampSize(current, viewport()));
    window.addEventListener('resize', onViewport);
    return () => window.removeEventListener('resize', onViewport);
  }, []);

  return (
    <section
      className={minimized ? 'chat-window chat-window--minimized' : 'chat-window'}
      aria-label={title}
      style={minimized ? undefined : { width: size.width, height: size.height }}
    >
      <header className="chat-window__bar">
        {!minimized && (
          <ResizeHandle
            size={size}
            onResize={(next, done) => {
              setSize(next);
              if (done) saveSize(storage(), next);
            }}
          />
        )}
        <MessageSquareText className="chat-window__icon" size={16} aria-hidden="true" />
        <h2 className="chat-window__title" title={title}>
          {title}
        </h2>
        <div className="chat-window__buttons">
          <IconButton label="Minimize" pressed={minimized} onClick={onToggleMinimized}>
            {minimized ? <ChevronUp size={16} aria-hidden="true" /> : <Minus size={16} aria-hidden="true" />}
          </IconButton>
          <IconButton label="Open in new tab" onClick={onPopOut}>
            <ExternalLink size={16} aria-hidden="true" />
          </IconButton>
          <IconButton
            label="Close"
            onClick={() => {
              chat.controller.close();
              onRemove();
            }}
          >
            <X size={16} aria-hidden="true" />
          </IconButton>
        </div>
      </header>
      <div className="chat-window__body" hidden={minimized}>
        <OperatorChat chat={chat} endUserName={endUserName} visible={!minimized} autoFocus={autoFocus} />
      </div>
    </section>
  );
}
