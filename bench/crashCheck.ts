/**
 * The verdict of bench/crash.ts: what the bench sent and was acked, against what a chat's history holds after all
 * the crashes. Pure, so its test can show that each kind of fault is caught.
 */

export type SenderRole = 'operator' | 'end_user';

/** One chat as the bench saw it, and its history as read at the end. */
export interface ChatAccount {
  chatId: string;
  /** Every message the bench wrote, by sender: clientId → text. */
  sent: Record<SenderRole, ReadonlyMap<string, string>>;
  /** Each sender's acks in the order they came (first ack of each clientId only), with the seq they named. */
  acked: Record<SenderRole, readonly { clientId: string; seq: number }[]>;
  /** The chat's entries as the server answered them, in the order received (it sends them by seq). */
  history: readonly HistoryEntry[];
}

export interface HistoryEntry {
  seq: number;
  kind: string;
  /** Messages only. */
  clientId?: string;
  text?: string;
  role?: string;
}

export interface Verdict {
  /** Acked messages the history does not hold. */
  losses: number;
  /** Entries held twice: the same seq twice, or the same sender's clientId at two seqs. */
  duplicates: number;
  /** Acked messages stored at another seq than their ack said. */
  seqMismatches: number;
  /** A sender's ack that names a seq not above the one before it, or a history not in seq order. */
  orderViolations: number;
  /** Messages in the history that the bench never sent (or sent as the other side, or with another text). */
  strangers: number;
  /** A few of each, for the report. */
  examples: string[];
}

const ROLES: readonly SenderRole[] = ['operator', 'end_user'];
const MAX_EXAMPLES = 10;

export function judge(chats: readonly ChatAccount[]): Verdict {
  const verdict: Verdict = {
    losses: 0,
    duplicates: 0,
    seqMismatches: 0,
    orderViolations: 0,
    strangers: 0,
    examples: [],
  };
  const note = (line: string) => {
    if (verdict.examples.length < MAX_EXAMPLES) verdict.examples.push(line);
  };
  for (const chat of chats) {
    const seen = new Set<number>();
    const stored = new Map<string, number>();
    let previousSeq = 0;
    for (const entry of chat.history) {
      if (seen.has(entry.seq)) {
        verdict.duplicates++;
        note(`chat ${chat.chatId}: seq ${entry.seq} came twice`);
        continue;
      }
      seen.add(entry.seq);
      if (entry.seq < previousSeq) {
        verdict.orderViolations++;
        note(`chat ${chat.chatId}: history has seq ${entry.seq} after ${previousSeq}`);
      }
      previousSeq = Math.max(previousSeq, entry.seq);
      if (entry.kind !== 'message') continue;
      const role = ROLES.find((r) => r === entry.role);
      const clientId = entry.clientId ?? '';
      const sentText = role === undefined ? undefined : chat.sent[role].get(clientId);
      if (role === undefined || sentText === undefined || sentText !== entry.text) {
        verdict.strangers++;
        note(
          `chat ${chat.chatId}: seq ${entry.seq} (${entry.role} ${clientId}) is no message the bench sent`,
        );
        continue;
      }
      const key = `${role}|${clientId}`;
      const first = stored.get(key);
      if (first !== undefined) {
        verdict.duplicates++;
        note(`chat ${chat.chatId}: ${role} ${clientId} stored twice, at seq ${first} and ${entry.seq}`);
        continue;
      }
      stored.set(key, entry.seq);
    }
    for (const role of ROLES) {
      let lastAcked = 0;
      for (const { clientId, seq } of chat.acked[role]) {
        const at = stored.get(`${role}|${clientId}`);
        if (at === undefined) {
          verdict.losses++;
          note(`chat ${chat.chatId}: ${role} ${clientId} acked at seq ${seq}, not in the history`);
        } else if (at !== seq) {
          verdict.seqMismatches++;
          note(`chat ${chat.chatId}: ${role} ${clientId} acked at seq ${seq}, stored at ${at}`);
        }
        if (seq <= lastAcked) {
          verdict.orderViolations++;
          note(`chat ${chat.chatId}: ${role} ${clientId} acked at seq ${seq} after an ack at ${lastAcked}`);
        }
        lastAcked = Math.max(lastAcked, seq);
      }
    }
  }
  return verdict;
}

/** The number of faults of a verdict: any is a failed run. */
export function faults(verdict: Verdict): number {
  return (
    verdict.losses + verdict.duplicates + verdict.seqMismatches + verdict.orderViolations + verdict.strangers
  );
}
