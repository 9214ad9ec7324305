import {
  DEFAULT_RECORDING_SETTINGS,
  type RecordingSettings,
  type RecordingSettingsBody,
  recordingNotice,
} from '@parley/protocol';
import type { Logger } from 'pino';
import { audit, type Doer, SYSTEM } from '../audit/audit.js';
import { type Bus, subjects } from '../bus/bus.js';
import type { Operator } from '../operators/operator.js';
import type { Policy } from '../rights/policy.js';
import type { Store } from '../store/store.js';
import type { StoredRecording } from './recordingSettingsStore.js';

/** The settings are read again this often even when no `recording_changed` came (as the license is). */
export const RECORDING_CACHE_MS = 30_000;

/** How often every node applies the retention rules. */
export const PURGE_MS = 3_600_000;

/** Recordings removed per statement and transaction (well under the databases' limits on bound values). */
const PURGE_CHUNK = 500;

const DAY_MS = 86_400_000;

/** What a chat about to open is to keep: fixed for its whole life. */
export interface RecordingDecision {
  recorded: boolean;
  recordEvents: boolean;
  /** What the end user is told before the first message; null: nothing. */
  notice: string | null;
}

const NOT_RECORDED: RecordingDecision = { recorded: false, recordEvents: true, notice: null };

/** Why the purge removes a recording. */
type PurgeReason = 'age' | 'count' | 'size';

/** Which recordings the retention rules remove at `now`: too old, then the oldest unlocked past a count or size. */
export function toPurge(
  recordings: readonly StoredRecording[],
  settings: Pick<RecordingSettings, 'retentionDays' | 'maxRecordings' | 'maxTotalBytes'>,
  now: Date,
): Map<string, PurgeReason> {
  const removed = new Map<string, PurgeReason>();
  if (settings.retentionDays !== null) {
    const before = new Date(now.getTime() - settings.retentionDays * DAY_MS).toISOString();
    for (const r of recordings) if (!r.locked && r.closedAt < before) removed.set(r.chatId, 'age');
  }
  // One pass per rule, oldest first, with a running count and size (review: rebuilding the list per removal took
  // 14 s for 40,000 recordings).
  const trim = (over: (count: number, bytes: number) => boolean, reason: PurgeReason) => {
    const kept = recordings.filter((r) => !removed.has(r.chatId));
    let count = kept.length;
    let bytes = kept.reduce((sum, r) => sum + r.bytes, 0);
    for (const r of kept) {
      if (!over(count, bytes)) return;
      if (r.locked) continue;
      removed.set(r.chatId, reason);
      count -= 1;
      bytes -= r.bytes;
    }
  };
  const { maxRecordings, maxTotalBytes } = settings;
  if (maxRecordings !== null) trim((count) => count > maxRecordings, 'count');
  if (maxTotalBytes !== null) trim((_, bytes) => bytes > maxTotalBytes, 'size');
  return removed;
}

/**
 * The recording manager: its settings (cached per node, reset over the bus and read again every 30 s at most),
 * whether a chat about to open is recorded, and the purge that applies the retention rules.
 */
export class RecordingManager {
  private cache: { at: number; settings: Promise<RecordingSettings> } | null = null;

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly policy: Policy,
    private readonly organization: string,
    private readonly now: () => Date = () => new Date(),
    private readonly log?: Logger,
  ) {
    bus.subscribe(subjects.recording, () => this.forget());
  }

  forget(): void {
    this.cache = null;
  }

  /** The stored settings, read afresh. */
  view(): Promise<RecordingSettings> {
    return this.store.recordingSettings.settings();
  }

  /** The settings this node decides with: cached, reset by `recording_changed`. */
  current(): Promise<RecordingSettings> {
    const now = this.now().getTime();
    if (!this.cache || now - this.cache.at >= RECORDING_CACHE_MS || now < this.cache.at) {
      const entry = { at: now, settings: this.store.recordingSettings.settings() };
      this.cache = entry;
      entry.settings.catch((error: unknown) => {
        if (this.cache === entry) this.cache = null;
        this.log?.error({ err: error }, 'reading the recording settings failed');
      });
    }
    return this.cache.settings;
  }

  /** Saves the settings (keys left out stay as they were) with their audit row; every node reads them again. */
  async update(body: RecordingSettingsBody, doer: Doer): Promise<RecordingSettings> {
    const at = this.now();
    const settings = await this.store.transaction(async (tx) => {
      const before = await tx.recordingSettings.settings();
      const after: RecordingSettings = { ...DEFAULT_RECORDING_SETTINGS, ...before, ...body };
      await tx.recordingSettings.save(after, at.toISOString(), doer.name);
      await audit(tx, doer, 'recording.settings', 'settings:recording', { before, after }, at);
      return after;
    });
    this.forget();
    this.bus.publish(subjects.recording, { type: 'recording_changed' });
    // New retention rules apply at once, not at the next hour.
    this.purge().catch((error: unknown) => this.log?.error({ err: error }, 'recording purge failed'));
    return settings;
  }

  /** Whether a chat this operator opens on this device now is recorded, and what its end user is told. */
  async decide(operator: Operator, deviceId: string): Promise<RecordingDecision> {
    const settings = await this.current();
    if (!settings.enabled || !(await this.inScope(settings, operator, deviceId))) return NOT_RECORDED;
    return {
      recorded: true,
      recordEvents: settings.recordEvents,
      notice: settings.notifyEndUser ? recordingNotice(settings, this.organization) : null,
    };
  }

  private async inScope(settings: RecordingSettings, operator: Operator, deviceId: string): Promise<boolean> {
    const { scope } = settings;
    if (scope === 'all') return true;
    if (scope.operatorIds?.includes(operator.id)) return true;
    if (operator.groups.some((group) => scope.operatorGroupIds?.includes(group.id))) return true;
    const deviceGroupIds = scope.deviceGroupIds ?? [];
    if (deviceGroupIds.length === 0) return false;
    const groups = await this.policy.groupsCovering(deviceId);
    return groups.some((group) => deviceGroupIds.includes(group));
  }

  /**
   * Applies the retention rules: removes what they say (never a locked recording) and writes one audit row saying
   * what went. Every node runs it; of two at once, each removes (and audits) only what it found still there.
   */
  async purge(): Promise<string[]> {
    const settings = await this.store.recordingSettings.settings();
    const now = this.now();
    const recordings = await this.store.recordingSettings.closedRecordings();
    const chosen = toPurge(recordings, settings, now);
    const sizes = new Map(recordings.map((r) => [r.chatId, r.bytes]));
    const ids = [...chosen.keys()];
    const removed: string[] = [];
    // In parts, each with its audit row: one statement of 40,000 ids is more than SQLite or PostgreSQL binds.
    for (let start = 0; start < ids.length; start += PURGE_CHUNK) {
      const part = await this.store.transaction(async (tx) => {
        const gone = await tx.recordingSettings.remove(ids.slice(start, start + PURGE_CHUNK));
        if (gone.length === 0) return gone;
        const reasons: Record<PurgeReason, number> = { age: 0, count: 0, size: 0 };
        for (const id of gone) reasons[chosen.get(id) ?? 'age'] += 1;
        const bytes = gone.reduce((sum, id) => sum + (sizes.get(id) ?? 0), 0);
        await audit(
          tx,
          SYSTEM,
          'recording.purge',
          null,
          { removed: gone.length, bytes, reasons, chatIds: gone },
          now,
        );
        return gone;
      });
      removed.push(...part);
    }
    return removed;
  }
}
