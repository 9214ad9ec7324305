import { ChevronUp, ExternalLink, MessageSquareText, Minus, MoveDiagonal2, X } from 'lucide-react';
import { type KeyboardEvent, type PointerEvent, useEffect, useRef, useState } from 'react';
import { useAlertSettings } from '../alerts/alertsContext';
import { alertNewMessages, notificationContent } from '../alerts/notify';
import { usePageLooking } from '../chat/attention';
import { unreadCount } from '../chat/chatState';
import { chatTitle } from '../chat/eventText';
import type { ChatTransport } from '../chat/transport';
import { useChat } from '../chat/useChat';
import { IconButton } from '../kit/IconButton';
import { type DockedChat, MINIMIZED_WIDTH } from './dockState';
import { useEndChat } from './EndChat';
import { OperatorChat } from './OperatorChat';
import { UnreadDot } from './UnreadDot';
import { clampSize, loadSize, resizeFromTopLeft, type Size, saveSize, sizeKey } from './windowSize';

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

export interface WindowStatus {
  /** The user's messages the operator has not seen. */
  unread: number;
  /** The chat is still open (not closed by either side). */
  open: boolean;
  deviceId: string | null;
  /** The window's width in the dock (minimized windows are narrower). */
  width: number;
  endUserName: string;
  deviceName: string;
}

export interface ChatWindowProps {
  docked: DockedChat;
  /** No room in the dock: hidden (the inbox lists it), still counting what arrives. */
  collapsed?: boolean;
  transport: ChatTransport;
  /** Focus the message box (a new number: again). */
  autoFocus: boolean | number;
  /** Window sizes are remembered per operator. */
  operatorId: string;
  onToggleMinimized(): void;
  /** Shows the window (not minimized), e.g. from a notification. */
  onShow(): void;
  /** Takes the window out of the dock (after Close has ended the chat). */
  onRemove(): void;
  onPopOut(): void;
  onStatus(status: WindowStatus): void;
}

/**
 * A docked chat window: title bar (resize, unread dot, minimize, open in new tab, close) and the conversation.
 * Esc minimizes it; a click on a minimized window's bar brings it back.
 */
export function ChatWindow({
  docked,
  collapsed = false,
  transport,
  autoFocus,
  operatorId,
  onToggleMinimized,
  onShow,
  onRemove,
  onPopOut,
  onStatus,
}: ChatWindowProps) {
  const chat = useChat(docked.chatId, transport, 'operator');
  const alerts = useAlertSettings();
  const { state, controller } = chat;
  const info = state.info;
  const endUserName = info?.endUserName ?? docked.endUserName ?? 'the user';
  const deviceName = info?.deviceName ?? docked.deviceName ?? 'the device';
  const title = chatTitle(endUserName, deviceName);
  const key = sizeKey(operatorId);
  const [size, setSize] = useState<Size>(() => clampSize(loadSize(storage(), key), viewport()));
  const minimized = docked.minimized;
  const minimizeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const onViewport = () => setSize((current) => clampSize(current, viewport()));
    window.addEventListener('resize', onViewport);
    return () => window.removeEventListener('resize', onViewport);
  }, []);

  // Seen when shown in a visible, focused tab: then what arrives is read and no dot shows.
  const looking = usePageLooking() && !minimized && !collapsed;
  useEffect(() => controller.setAttention(looking), [controller, looking]);

  const unread = unreadCount(state);
  const open = info?.status !== 'closed';
  const deviceId = info?.deviceId ?? docked.deviceId ?? null;
  const reportStatus = useRef(onStatus);
  reportStatus.current = onStatus;
  const width = minimized ? MINIMIZED_WIDTH : size.width;
  useEffect(
    () => reportStatus.current({ unread, open, deviceId, width, endUserName, deviceName }),
    [unread, open, deviceId, width, endUserName, deviceName],
  );

  // Desktop notification and chime for what arrives while the console is in the background.
  const latest = useRef({ alerts, endUserName, deviceName, onShow });
  latest.current = { alerts, endUserName, deviceName, onShow };
  useEffect(
    () =>
      controller.onPeerMessages((messages) => {
        const { alerts, endUserName, deviceName, onShow } = latest.current;
        const content = notificationContent(
          endUserName,
          deviceName,
          messages.map((message) => message.text),
        );
        alertNewMessages(alerts, { chatId: controller.chatId, ...content, onClick: onShow });
      }),
    [controller],
  );

  const ending = useEndChat({
    recorded: info?.recorded ?? false,
    end: () => {
      controller.close();
      onRemove();
    },
  });

  const onKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    if (event.key !== 'Escape' || minimized || event.defaultPrevented) return;
    event.preventDefault();
    onToggleMinimized();
    minimizeRef.current?.focus();
  };

  return (
    <section
      className={minimized ? 'chat-window chat-window--minimized' : 'chat-window'}
      aria-label={title}
      hidden={collapsed}
      style={minimized ? undefined : { width: size.width, height: size.height }}
      onKeyDown={onKeyDown}
    >
      {/* biome-ignore lint/a11y/noStaticElementInteractions: a pointer shortcut; the Minimize button does it by keyboard. */}
      <header
        className="chat-window__bar"
        onClick={(event) => {
          if (minimized && !(event.target instanceof Element && event.target.closest('button'))) onShow();
        }}
      >
        {!minimized && (
          <ResizeHandle
            size={size}
            onResize={(next, done) => {
              setSize(next);
              if (done) saveSize(storage(), next, key);
            }}
          />
        )}
        <MessageSquareText className="chat-window__icon" size={16} aria-hidden="true" />
        {/* Two lines, each cut on its own: the device name is never lost behind a long user name. */}
        <h2 className="chat-window__title" title={title}>
          <span className="visually-hidden">Chat with </span>
          <span className="chat-window__user">{endUserName}</span>
          <span className="chat-window__device"> on {deviceName}</span>
        </h2>
        {unread > 0 && <UnreadDot count={unread} />}
        <div className="chat-window__buttons">
          <IconButton
            ref={minimizeRef}
            label="Minimize"
            icon={minimized ? ChevronUp : Minus}
            pressed={minimized}
            onClick={onToggleMinimized}
          />
          <IconButton label="Open in new tab" icon={ExternalLink} onClick={onPopOut} />
          <IconButton
            label="Close"
            icon={X}
            onClick={() => {
              if (!open) {
                controller.close();
                onRemove();
                return;
              }
              if (minimized) onShow();
              ending.ask();
            }}
          />
        </div>
      </header>
      <div className="chat-window__body" hidden={minimized}>
        <OperatorChat
          chat={chat}
          endUserName={endUserName}
          visible={!minimized}
          autoFocus={autoFocus}
          ending={ending.panel}
        />
      </div>
    </section>
  );
}
