/** The unread dot: shown on a window (or chat page) with messages the operator has not seen. */
export function UnreadDot({ count }: { count: number }) {
  return (
    <span
      className="unread-dot"
      role="img"
      aria-label="New messages"
      title={count === 1 ? '1 new message' : `${count} new messages`}
    />
  );
}
