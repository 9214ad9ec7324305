import type { ChatEntry, Receipts, Role } from '@parley/protocol';
import { Check, CheckCheck, CircleAlert, Clock3, RotateCw } from 'lucide-react';
import { memo, type ReactNode, useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import { type DeliveryStatus, pendingStatus, storedStatus, type TimelineItem } from './chatState';
import { eventText } from './eventText';
import { foldPresence } from './fold';
import { linkify } from './linkify';
import { clockTime, fullTime } from './time';

export type EventEntry = Extract<ChatEntry, { kind: 'event' }>;

/** What a reader needs to word an event: whether the end user had been connected (or dropped) before it. */
export interface EventContext {
  /** An `end_user_connected` that follows an earlier presence event: the user came back. */
  reconnect: boolean;
}

/** The words for an event on this side, or null to leave it out. */
export type DescribeEvent = (entry: EventEntry, context: EventContext) => string | null;

export interface MessageLogProps {
  items: readonly TimelineItem[];
  myRole: Role;
  /** The name shown on this side's messages that the server has not echoed yet. */
  myName: string;
  /** When set, this side's stored messages carry it instead of their sender's name (the end user is "You"). */
  myLabel?: string | undefined;
  /** The other side's receipt marks: they make this side's messages delivered and read. */
  peerReceipts: Receipts;
  onRetry(clientId: string): void;
  /** Retry makes no sense (the chat is closed). */
  retryDisabled: boolean;
  /** How this side words events (default: `eventText`); null leaves one out. */
  describeEvent?: DescribeEvent;
  /** The log is shown (a minimized window hides it): scroll to the end when it comes back. */
  visible?: boolean;
}

/** The end of a folded line: how many drops it stands for. */
function foldedText(drops: number, since: string): string {
  const times = drops === 1 ? 'once' : `${drops} times`;
  return `disconnected ${times} since ${clockTime(since)}`;
}

function Time({ at }: { at: string }) {
  return (
    <time className="stamp" dateTime={at} title={fullTime(at)}>
      {clockTime(at)}
    </time>
  );
}

const STATUS_TEXT: Record<Exclude<DeliveryStatus, 'failed'>, string> = {
  sending: 'Sending…',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
};

function StatusIcon({ status }: { status: Exclude<DeliveryStatus, 'failed'> }) {
  if (status === 'sending') return <Clock3 size={12} aria-hidden="true" />;
  if (status === 'sent') return <Check size={12} aria-hidden="true" />;
  return <CheckCheck size={12} aria-hidden="true" />;
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
  if (status !== 'failed') {
    return (
      <div className={`delivery delivery--${status}`} data-status={status}>
        <StatusIcon status={status} />
        <span>{STATUS_TEXT[status]}</span>
      </div>
    );
  }
  return (
    <div className="delivery delivery--failed" data-status="failed">
      <CircleAlert size={12} aria-hidden="true" />
      <span>Not delivered{error ? <span className="visually-hidden">: {error}</span> : null}</span>
      {onRetry && (
        <button type="button" className="link-button" onClick={onRetry} disabled={retryDisabled}>
          <RotateCw size={12} aria-hidden="true" />
          Retry
        </button>
      )}
    </div>
  );
}

/**
 * Message text as text: line breaks kept by CSS, http(s) links clickable (new tab, no referrer), nothing else. A
 * link is isolated left-to-right (`dir="ltr"`, `unicode-bidi: isolate` in chat.css), so bidi controls around it
 * cannot reorder what it shows; linkify keeps them out of it.
 */
const MessageText = memo(function MessageText({ text }: { text: string }) {
  return (
    <div className="msg__text">
      {linkify(text).map((part, i) =>
        part.kind === 'link' ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one text never move.
          <a key={i} href={part.href} target="_blank" rel="noopener noreferrer nofollow" dir="ltr">
            {part.text}
          </a>
        ) : (
          part.text
        ),
      )}
    </div>
  );
});

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
      <MessageText text={text} />
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

/** The conversation: messages (this side's on the right) and event lines, as an ARIA log. */
export function MessageLog({
  items,
  myRole,
  myName,
  myLabel,
  peerReceipts,
  onRetry,
  retryDisabled,
  describeEvent = (entry) => eventText(entry.event, entry.from),
  visible = true,
}: MessageLogProps) {
  const ref = useRef<HTMLDivElement>(null);
  const atEnd = useRef(true);
  const last = items.at(-1);
  const lines = useMemo(() => foldPresence(items), [items]);

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
      aria-relevant="additions"
      aria-label="Conversation"
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard to scroll it.
      tabIndex={0}
      onScroll={(event) => {
        const log = event.currentTarget;
        atEnd.current = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
      }}
    >
      {lines.map(({ item, reconnect, folded }) => {
        const key = itemKey(item);
        if (item.kind === 'pending') {
          const { message } = item;
          return (
            <Message key={key} name={myName} at={message.at ?? message.createdAt} text={message.text} mine>
              <Delivery
                status={pendingStatus(message, peerReceipts)}
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
            <Message
              key={key}
              name={mine && myLabel ? myLabel : entry.from.name}
              at={entry.at}
              text={entry.text}
              mine={mine}
            >
              {mine && <Delivery status={storedStatus(entry.seq, peerReceipts)} error={null} retryDisabled />}
            </Message>
          );
        }
        const text = describeEvent(entry, { reconnect: reconnect && entry.event === 'end_user_connected' });
        if (text === null) return null;
        return (
          <div key={key} className="chat-event">
            <span>
              {text}
              {folded && ` (${foldedText(folded.drops, folded.since)})`}
            </span>{' '}
            <Time at={entry.at} />
          </div>
        );
      })}
    </div>
  );
}
