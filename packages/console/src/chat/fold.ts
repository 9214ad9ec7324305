import type { TimelineItem } from './chatState';

const PRESENCE = new Set(['end_user_connected', 'end_user_disconnected']);

/** A timeline item as the log shows it: a run of drops and returns is folded into its last line. */
export interface ShownItem {
  item: TimelineItem;
  /** The user had been connected before (an `end_user_connected` here is a return). */
  reconnect: boolean;
  /** This line stands for a run of drops and returns: how many drops, since when. */
  folded: { drops: number; since: string } | null;
}

/** Runs this long or longer are folded (one drop and its return stay two lines). */
export const FOLD_AT = 3;

function isPresence(item: TimelineItem | undefined): boolean {
  return item?.kind === 'entry' && item.entry.kind === 'event' && PRESENCE.has(item.entry.event);
}

/**
 * The lines of the log: a run of FOLD_AT or more drops and returns in a row (after the user first joined, nothing
 * else between them) becomes its last line, which says how many drops there were, instead of filling the timeline.
 */
export function foldPresence(items: readonly TimelineItem[]): ShownItem[] {
  const shown: ShownItem[] = [];
  let presenceSeen = false;
  let i = 0;
  while (i < items.length) {
    const item = items[i] as TimelineItem;
    if (!isPresence(item)) {
      shown.push({ item, reconnect: false, folded: null });
      i++;
      continue;
    }
    if (!presenceSeen) {
      const event = item.kind === 'entry' && item.entry.kind === 'event' ? item.entry.event : null;
      presenceSeen = true;
      shown.push({ item, reconnect: false, folded: null });
      i++;
      if (event === 'end_user_connected') continue;
    }
    let end = i;
    while (end < items.length && isPresence(items[end])) end++;
    const run = items.slice(i, end);
    if (run.length >= FOLD_AT) {
      const last = run.at(-1) as TimelineItem;
      const first = run[0] as TimelineItem;
      const drops = run.filter(
        (r) => r.kind === 'entry' && r.entry.kind === 'event' && r.entry.event === 'end_user_disconnected',
      ).length;
      const since = first.kind === 'entry' ? first.entry.at : '';
      shown.push({ item: last, reconnect: true, folded: { drops, since } });
    } else {
      for (const r of run) shown.push({ item: r, reconnect: true, folded: null });
    }
    i = end;
  }
  return shown;
}
