import type { ChatEntry, Role } from '@parley/protocol';
import { Check, CircleAlert, Clock3, RotateCw } from 'lucide-react';
import { type ReactNode, useEffect, useLayoutEffect, useRef } from 'react';
import type { DeliveryStatus, TimelineItem } from './chatState';
import { eventText } from './eventText';
import { clockTime, fullTime } from './time';

export type EventEntry = Extract<ChatEntry, { kind: 'event' }>;

export interface MessageLogProps {
  items: readonly TimelineItem[];
  myRole: Role;
  /** The name shown on this side's messages that the server has not echoed yet. */
  myName: string;
  onRetry(clientId: string): void;
  /** Retry makes no sense (the chat is closed). */
  retryDisabled: boolean;
  /** Events this side does not show (the end user does not need "joined"/"disconnected" lines about themself). */
  hideEvent?: (entry: EventEntry) => boolean;
  /** The log is shown (a minimized window hides it): scroll to the end when it comes back. */
  visible?: boolean;
}

function Time({ at }: { at: string }) {
  return (
    <time className="stamp" dateTime={at} title={fullTime(at)}>
      {clockTime(at)}
    </time>
  );
}

function Delivery({
  status,
  error,
  onRetry,
  retryDisabled,
}: {
  status: DeliveryStatus;
  error: string | null;
  onRetry?: () => void;
  retryDisabled: boolean;
}) {
  if (status === 'sending') {
    return (
      <div className="delivery">
        <Clock3 size={12} aria-hidden="true" />
        <span>Sending…</span>
      </div>
    );
  }
  if (status === 'sent') {
    return (
      <div className="delivery">
        <Check size={12} aria-hidden="true" />
        <span>Sent</span>
      </div>
    );
  }
  return (
    <div className="delivery delivery--failed">
      <CircleAlert size={12} aria-hidden="true" />
      <span title={error ?? undefined}>Not delivered</span>
      {onRetry && (
        <button type="button" className="link-button" onClick={onRetry} disabled={retryDisabled}>
          <RotateCw size={12} aria-hidden="true" />
          Retry
        </button>
      )}
    </div>
  );
}

function Message({
  name,
  at,
  text,
  mine,
  children,
}: {
  name: string;
  at: string;
  text: string;
  mine: boolean;
  children?: ReactNode;
}) {
  return (
    <div className={mine ? 'msg msg--mine' : 'msg msg--theirs'}>
      <div className="msg__meta">
        <span className="msg__name">{name}</span> <Time at={at} />
      </div>
      <div className="msg__text">{text}</div>
      {children}
    </div>
  );
}

function itemKey(item: TimelineItem): string {
  return item.kind === 'entry' && item.entry.kind === 'message'
    ? `m:${item.entry.clientId}`
    : item.kind === 'entry'
      ? `e:${item.entry.seq}`
      : `m:${item.message.clientId}`;
}

function isMine(item: TimelineItem, myRole: Role): boolean {
  if (item.kind === 'pending') return true;
  return item.entry.kind === 'message' && item.entry.from.role === myRole;
}

/** The conversation: messages (this side's on the right) and event lines, as an ARIA log. */
export function MessageLog({
  items,
  myRole,
  myName,
  onRetry,
  retryDisabled,
  hideEvent,
  visible = true,
}: MessageLogProps) {
  const ref = useRef<HTMLDivElement>(null);
  const atEnd = useRef(true);
  const last = items.at(-1);
  const lastMine = items.findLastIndex((item) => isMine(item, myRole));

  // Follow the conversation while the reader is at its end, and always after this side wrote something.
  useLayoutEffect(() => {
    const log = ref.current;
    if (!log || !visible) return;
    if (atEnd.current || (last && last.kind === 'pending')) log.scrollTop = log.scrollHeight;
  }, [last, visible]);

  // Stay at the end when the log changes size (a banner comes or goes, the window is resized).
  useEffect(() => {
    const log = ref.current;
    if (!log || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => {
      if (atEnd.current) log.scrollTop = log.scrollHeight;
    });
    observer.observe(log);
    return () => observer.disconnect();
  }, []);

  return (
    <div
      ref={ref}
      className="log"
      role="log"
      aria-live="polite"
      aria-label="Conversation"
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard to scroll it.
      tabIndex={0}
      onScroll={(event) => {
        const log = event.currentTarget;
        atEnd.current = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
      }}
    >
      {items.map((item, index) => {
        const key = itemKey(item);
        if (item.kind === 'pending') {
          const { message } = item;
          return (
            <Message key={key} name={myName} at={message.at ?? message.createdAt} text={message.text} mine>
              <Delivery
                status={message.status}
                error={message.error}
                retryDisabled={retryDisabled}
                onRetry={() => onRetry(message.clientId)}
              />
            </Message>
          );
        }
        const { entry } = item;
        if (entry.kind === 'message') {
          const mine = entry.from.role === myRole;
          return (
            <Message key={key} name={entry.from.name} at={entry.at} text={entry.text} mine={mine}>
              {mine && index === lastMine && <Delivery status="sent" error={null} retryDisabled />}
            </Message>
          );
        }
        if (hideEvent?.(entry)) return null;
        return (
          <div key={key} className="chat-event">
            <span>{eventText(entry.event, entry.from)}</span> <Time at={entry.at} />
          </div>
        );
      })}
    </div>
  );
}
