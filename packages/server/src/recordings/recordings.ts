import {
  type ChatEntry,
  eventText,
  type RecordingEntry,
  type RecordingFilter,
  type RecordingFormat,
  type RecordingListItem,
  type RecordingMatch,
  type RecordingPage,
  type RecordingTranscriptPage,
  type RecordingUsage,
} from '@parley/protocol';
import { audit, type Doer } from '../audit/audit.js';
import { hasCapability, type Operator } from '../operators/operator.js';
import type { CommandResult } from '../result.js';
import type { Policy } from '../rights/policy.js';
import type { Store } from '../store/store.js';
import type { RecordingRecord, RecordingSelection } from './recordingStore.js';
import { searchWords } from './recordingStore.js';
import { type EntryPages, type TranscriptFile, type TranscriptHead, transcriptFile } from './transcript.js';

/** Entries read from the store at a time when a file of a whole transcript is made (8,000 characters at most each). */
const ENTRY_PAGE = 200;
/** Entries the JSON view answers when no `limit` is given. */
export const TRANSCRIPT_PAGE = 1000;
/** Matches shown per recording in a search's list, and characters of context around the first word. */
const MATCHES_SHOWN = 3;
const CONTEXT_BEFORE = 60;
const CONTEXT_AFTER = 200;

const NOT_FOUND = { ok: false, code: 'not_found', message: 'no such recording' } as const;

/** The [start, end) offsets of the words of `text` that are words of the search (case ignored). */
export function markWords(text: string, q: string): [number, number][] {
  const wanted = new Set(searchWords(q).map((w) => w.toLowerCase()));
  const marks: [number, number][] = [];
  for (const match of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    if (wanted.has(match[0].toLowerCase())) marks.push([match.index, match.index + match[0].length]);
  }
  return marks;
}

/** A message cut around its first marked word, the marks moved with it (`…` where text was left out). */
export function excerpt(seq: number, text: string, q: string): RecordingMatch {
  const marks = markWords(text, q);
  const first = marks[0]?.[0] ?? 0;
  const start = Math.max(0, first - CONTEXT_BEFORE);
  const end = Math.min(text.length, first + CONTEXT_AFTER);
  const prefix = start > 0 ? '…' : '';
  const shift = prefix.length - start;
  return {
    seq,
    text: `${prefix}${text.slice(start, end)}${end < text.length ? '…' : ''}`,
    marks: marks.filter(([s, e]) => s >= start && e <= end).map(([s, e]) => [s + shift, e + shift]),
  };
}

/** What a request with a filter covers for one operator; null when it can cover nothing. */
export type Scoped = RecordingSelection | null;

/** The recordings browser: what an operator may see of the recorded chats, their transcripts, notes, locks. */
export class RecordingService {
  constructor(
    private readonly store: Store,
    private readonly policy: Policy,
  ) {}

  /**
   * The selection for `filter`: only devices the operator may read, and only their own chats without
   * recordings.view. An `operator` filter is an id or a username.
   */
  async scope(operator: Operator, filter: RecordingFilter): Promise<Scoped> {
    const deviceIds = operator.superAdmin
      ? 'all'
      : [...(await this.policy.readable(operator, await this.store.recordings.deviceIds()))];
    let operatorId: string | undefined;
    if (filter.operator !== undefined) {
      operatorId = (await this.store.operators.findByUsername(filter.operator))?.id ?? filter.operator;
    }
    if (!hasCapability(operator, 'recordings.view')) {
      if (operatorId !== undefined && operatorId !== operator.id) return null;
      operatorId = operator.id;
    }
    const selection: RecordingSelection = { deviceIds };
    if (operatorId !== undefined) selection.operatorId = operatorId;
    if (filter.device !== undefined) selection.deviceId = filter.device;
    if (filter.endUser !== undefined) selection.endUser = filter.endUser;
    if (filter.from !== undefined) selection.from = filter.from;
    if (filter.to !== undefined) selection.to = filter.to;
    if (filter.q !== undefined) selection.q = filter.q;
    return selection;
  }

  /** A page of recordings, newest first, and how many match in all. */
  async page(
    operator: Operator,
    filter: RecordingFilter,
    limit: number,
    cursor?: string,
  ): Promise<RecordingPage> {
    const selection = await this.scope(operator, filter);
    if (!selection) return { recordings: [], nextCursor: null, total: 0 };
    const [rows, total] = await Promise.all([
      this.store.recordings.list(selection, limit + 1, cursor),
      this.store.recordings.count(selection),
    ]);
    const shown = rows.slice(0, limit);
    const recordings = await Promise.all(shown.map((row) => this.listItem(row, filter.q)));
    return { recordings, nextCursor: rows.length > limit ? (shown.at(-1)?.chatId ?? null) : null, total };
  }

  private async listItem(row: RecordingRecord, q: string | undefined): Promise<RecordingListItem> {
    const matches =
      q === undefined
        ? []
        : (await this.store.recordings.matchingMessages(row.chatId, q, MATCHES_SHOWN)).map((m) =>
            excerpt(m.seq, m.text, q),
          );
    return { ...summary(row), lockedAt: row.lockedAt, note: row.note, matches };
  }

  async usage(operator: Operator): Promise<RecordingUsage> {
    const selection = await this.scope(operator, {});
    return selection ? this.store.recordings.usage(selection) : { recordings: 0, bytes: 0 };
  }

  /** A recording the operator may read (anything else is not found: its existence is not theirs to know). */
  private async readable(operator: Operator, chatId: string): Promise<RecordingRecord | null> {
    const row = await this.store.recordings.find(chatId);
    if (!row) return null;
    const decision = await this.policy.may(operator, {
      kind: 'recording.read',
      chat: { operatorId: row.operatorId, deviceId: row.deviceId },
    });
    return decision ? row : null;
  }

  /** A page of a transcript: the entries after the seq `after`, `limit` at most. */
  async transcript(
    operator: Operator,
    chatId: string,
    after = 0,
    limit = TRANSCRIPT_PAGE,
  ): Promise<CommandResult<RecordingTranscriptPage>> {
    const row = await this.readable(operator, chatId);
    if (!row) return NOT_FOUND;
    const read = await this.store.chats.entriesAfter(chatId, after, limit + 1);
    const entries = read.slice(0, limit).map(toEntry);
    const nextAfter = read.length > limit ? (entries.at(-1)?.seq ?? null) : null;
    return { ok: true, value: { ...head(row), entries, nextAfter } };
  }

  /** Every entry of a chat, in order, read a page at a time as they are used. */
  private async *entryPages(chatId: string): EntryPages {
    let after = 0;
    for (;;) {
      const page = await this.store.chats.entriesAfter(chatId, after, ENTRY_PAGE);
      if (page.length > 0) yield page.map(toEntry);
      if (page.length < ENTRY_PAGE) return;
      after = page.at(-1)?.seq ?? after;
    }
  }

  /** One recording as a file, made as it is sent; the export is audited (a transcript leaving is worth knowing). */
  async exportOne(
    operator: Operator,
    chatId: string,
    format: Exclude<RecordingFormat, 'json'>,
    doer: Doer,
  ): Promise<CommandResult<TranscriptFile>> {
    const row = await this.readable(operator, chatId);
    if (!row) return NOT_FOUND;
    await audit(this.store, doer, 'recording.export', `recording:${chatId}`, { format });
    return { ok: true, value: transcriptFile(head(row), this.entryPages(chatId), format) };
  }

  /** The recordings `selection` covers, newest first (read `batch` at a time), each with its entries to read. */
  async *transcripts(
    selection: RecordingSelection,
    batch: number,
  ): AsyncGenerator<{ head: TranscriptHead; pages: EntryPages }> {
    let cursor: string | undefined;
    for (;;) {
      const rows = await this.store.recordings.list(selection, batch, cursor);
      for (const row of rows) yield { head: head(row), pages: this.entryPages(row.chatId) };
      if (rows.length < batch) return;
      cursor = rows.at(-1)?.chatId;
    }
  }

  async setNote(operator: Operator, chatId: string, note: string, doer: Doer): Promise<CommandResult<null>> {
    const row = await this.store.recordings.find(chatId);
    if (!row || !(await this.policy.may(operator, { kind: 'device.read', deviceId: row.deviceId })))
      return NOT_FOUND;
    if (!(await this.policy.may(operator, { kind: 'recording.note', chat: row }))) {
      return {
        ok: false,
        code: 'forbidden',
        message: 'a note on a recording needs the recordings.view capability',
      };
    }
    const text = note.trim() === '' ? null : note;
    await this.store.transaction(async (tx) => {
      await tx.recordings.setNote(chatId, text);
      await audit(tx, doer, 'recording.note', `recording:${chatId}`, { note: text });
    });
    return { ok: true, value: null };
  }

  async setLocked(
    operator: Operator,
    chatId: string,
    locked: boolean,
    doer: Doer,
  ): Promise<CommandResult<null>> {
    const row = await this.manageable(operator, chatId);
    if (!row.ok) return row;
    await this.store.transaction(async (tx) => {
      await tx.recordings.setLocked(chatId, locked ? new Date().toISOString() : null);
      await audit(
        tx,
        doer,
        locked ? 'recording.lock' : 'recording.unlock',
        `recording:${chatId}`,
        details(row.value),
      );
    });
    return { ok: true, value: null };
  }

  async delete(operator: Operator, chatId: string, doer: Doer): Promise<CommandResult<null>> {
    const row = await this.manageable(operator, chatId);
    if (!row.ok) return row;
    return this.store.transaction(async (tx): Promise<CommandResult<null>> => {
      const outcome = await tx.recordings.delete(chatId);
      if (outcome === 'not_found') return NOT_FOUND;
      if (outcome !== 'deleted') {
        const message =
          outcome === 'locked' ? 'the recording is locked: unlock it first' : 'the chat is still open';
        return { ok: false, code: 'conflict', message };
      }
      await audit(tx, doer, 'recording.delete', `recording:${chatId}`, details(row.value));
      return { ok: true, value: null };
    });
  }

  private async manageable(operator: Operator, chatId: string): Promise<CommandResult<RecordingRecord>> {
    const row = await this.store.recordings.find(chatId);
    if (!row || !(await this.policy.may(operator, { kind: 'device.read', deviceId: row.deviceId })))
      return NOT_FOUND;
    const decision = await this.policy.authorize(
      { kind: 'operator', operator },
      { kind: 'recording.manage', chat: row },
    );
    return decision.allowed
      ? { ok: true, value: row }
      : { ok: false, code: 'forbidden', message: decision.message };
  }
}

function summary(row: RecordingRecord) {
  return {
    chatId: row.chatId,
    deviceId: row.deviceId,
    deviceName: row.deviceName,
    operator: row.operator,
    endUser: row.endUser,
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    messageCount: row.messageCount,
  };
}

function head(row: RecordingRecord): TranscriptHead {
  return { ...summary(row), lockedAt: row.lockedAt, note: row.note };
}

function toEntry(e: ChatEntry): RecordingEntry {
  return e.kind === 'message'
    ? { seq: e.seq, at: e.at, kind: 'message', from: e.from, text: e.text }
    : {
        seq: e.seq,
        at: e.at,
        kind: 'event',
        from: e.from,
        text: e.detail ? `${eventText(e.event, e.from)}: ${e.detail}` : eventText(e.event, e.from),
      };
}

function details(row: RecordingRecord): Record<string, unknown> {
  return { device: row.deviceName, endUser: row.endUser, operator: row.operator, startedAt: row.startedAt };
}
