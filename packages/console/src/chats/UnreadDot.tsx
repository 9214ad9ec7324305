/**
 * The unread dot: shown on a window (or chat page) with messages the operator has not seen, with their number in it.
 * Its accessible name stays "New messages" (DESIGN.md); the number is in its title and description.
 */
export function UnreadDot({ count }: { count: number }) {
  const text = count === 1 ? '1 new message' : `${count} new messages`;
  return (
    <span className="unread-dot" role="img" aria-label="New messages" aria-description={text} title={text}>
      {count > 99 ? '99+' : count}
    </span>
  );
}
