import type { OperatorView } from '@parley/protocol';
import { audit, type Doer } from '../audit/audit.js';
import { type Bus, subjects } from '../bus/bus.js';
import { hashSecret, newSecret, uuidv7 } from '../ids.js';
import { capabilitySources, type Operator, withGroups } from '../operators/operator.js';
import type { NewOperator } from '../operators/operatorStore.js';
import type { CommandResult } from '../result.js';
import { CAPABILITIES } from '../rights/capabilities.js';
import type { Store } from '../store/store.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { SessionRecord } from './sessionStore.js';

export const SESSION_COOKIE = 'parley_session';
/** A session ends this long after sign-in, however active. */
export const SESSION_HOURS = 12;
export const DEFAULT_IDLE_MINUTES = 30;
/** A session's last use is written at most this often (every request reads it). */
const TOUCH_EVERY_MS = 60_000;

/**
 * Sign-in limits (issue 8). Failures count per account and per client address, consecutively within the window;
 * the account locks after `ACCOUNT_FAILURES` for 30 s, doubling with each further failure up to `MAX_LOCK_MS`, so
 * a guesser gets a handful of tries an hour and the person whose account it is can wait a lock out. An address
 * that fails `ADDRESS_FAILURES` times locks for `MAX_LOCK_MS`, whichever accounts it tries.
 */
export const SIGN_IN_LIMITS = {
  windowMs: 15 * 60_000,
  accountFailures: 5,
  addressFailures: 20,
  firstLockMs: 30_000,
  maxLockMs: 15 * 60_000,
};

/** The signed-in operator as the console sees them: `capabilities` are all they have, own and from groups. */
export function presentOperator(op: Operator): OperatorView {
  const capabilities = [...new Set(capabilitySources(op).map((source) => source.capability))];
  return { id: op.id, username: op.username, displayName: op.displayName, capabilities };
}

/** Where a sign-in or a request comes from, for the session list and the audit log. */
export interface Client {
  address: string | null;
  userAgent: string | null;
}

export type SignInResult =
  | { ok: true; token: string; operator: Operator }
  | { ok: false; reason: 'wrong_credentials' | 'disabled' }
  | { ok: false; reason: 'locked'; retryAfterSeconds: number };

export interface SignedIn {
  operator: Operator;
  session: SessionRecord;
}

/** Operators' sign-in: the limits, sessions (absolute and idle expiry), and the admin of a fresh database. */
export class AuthService {
  private readonly idleMs: number;
  private readonly now: () => Date;
  /** Told when sessions end, so the sockets of those sessions (on any node) close now (P-24). */
  private readonly bus: Bus | undefined;

  constructor(
    private readonly store: Store,
    options: { idleMinutes?: number; now?: () => Date; bus?: Bus } = {},
  ) {
    this.idleMs = (options.idleMinutes ?? DEFAULT_IDLE_MINUTES) * 60_000;
    this.now = options.now ?? (() => new Date());
    this.bus = options.bus;
  }

  private sessionsEnded(operatorId: string): void {
    this.bus?.publish(subjects.access, { type: 'sessions_ended', operatorId });
  }

  private idleSince(now: Date): string {
    return new Date(now.getTime() - this.idleMs).toISOString();
  }

  async login(username: string, password: string, client: Client): Promise<SignInResult> {
    const now = this.now();
    const accountKey = `account:${username.toLowerCase()}`;
    const addressKey = client.address ? `address:${client.address}` : null;
    const keys = addressKey ? [accountKey, addressKey] : [accountKey];
    const attempt: Doer = { name: username, address: client.address };

    const refuseLocked = async (until: string): Promise<SignInResult> => {
      const retryAfterSeconds = Math.max(1, Math.ceil((Date.parse(until) - now.getTime()) / 1000));
      await audit(
        this.store,
        attempt,
        'auth.sign_in_refused',
        null,
        { reason: 'locked', retryAfterSeconds },
        now,
      );
      return { ok: false, reason: 'locked', retryAfterSeconds };
    };

    // Attempts while locked do not count (the lock does not grow while someone waits it out).
    const lockedUntil = await this.store.signIns.lockedUntil(keys, now.toISOString());
    if (lockedUntil) return refuseLocked(lockedUntil);

    // The attempt counts before the password is checked, and the attempt that reaches the limit locks the account
    // first: of many sent at once, no more than the limit are ever checked (the upsert serializes them per account).
    const windowStart = new Date(now.getTime() - SIGN_IN_LIMITS.windowMs).toISOString();
    const admitted = await this.store.transaction(async (tx) => {
      const attempts = await tx.signIns.recordFailure(accountKey, now.toISOString(), windowStart);
      const until = await tx.signIns.lockedUntil(keys, now.toISOString());
      if (until) return { ok: false as const, until };
      const lock = lockFor(attempts, SIGN_IN_LIMITS.accountFailures);
      if (lock > 0) await tx.signIns.lock(accountKey, new Date(now.getTime() + lock).toISOString());
      return { ok: true as const, attempts, lock };
    });
    if (!admitted.ok) return refuseLocked(admitted.until);

    const operator = await this.store.operators.findByUsername(username);
    const passwordOk = await verifyPassword(operator?.passwordHash, password);
    if (!operator || !passwordOk) {
      await this.store.transaction(async (tx) => {
        const addressFailures = addressKey
          ? await tx.signIns.recordFailure(addressKey, now.toISOString(), windowStart)
          : 0;
        await audit(tx, attempt, 'auth.sign_in_failed', null, { accountFailures: admitted.attempts }, now);
        if (admitted.lock > 0) {
          await audit(tx, attempt, 'auth.lockout', accountKey, { seconds: admitted.lock / 1000 }, now);
        }
        if (addressKey && addressFailures >= SIGN_IN_LIMITS.addressFailures) {
          await tx.signIns.lock(addressKey, new Date(now.getTime() + SIGN_IN_LIMITS.maxLockMs).toISOString());
          await audit(
            tx,
            attempt,
            'auth.lockout',
            addressKey,
            { seconds: SIGN_IN_LIMITS.maxLockMs / 1000 },
            now,
          );
        }
      });
      return { ok: false, reason: 'wrong_credentials' };
    }
    if (operator.disabled) {
      await audit(this.store, attempt, 'auth.sign_in_refused', null, { reason: 'disabled' }, now);
      return { ok: false, reason: 'disabled' };
    }

    const token = newSecret();
    await this.store.deleteExpired(now.toISOString(), this.idleSince(now));
    await this.store.transaction(async (tx) => {
      await tx.signIns.clear([accountKey]);
      await tx.sessions.create({
        tokenHash: hashSecret(token),
        operatorId: operator.id,
        at: now.toISOString(),
        expiresAt: new Date(now.getTime() + SESSION_HOURS * 3600_000).toISOString(),
        address: client.address,
        userAgent: client.userAgent?.slice(0, 256) ?? null,
      });
      await audit(tx, { name: operator.username, address: client.address }, 'auth.sign_in', null, {}, now);
    });
    return { ok: true, token, operator: await withGroups(this.store, operator) };
  }

  /** The operator whose live session `token` is, with the session; a disabled operator has none. */
  async signedIn(token: string | undefined): Promise<SignedIn | undefined> {
    if (!token || token.length > 256) return undefined;
    const now = this.now();
    const found = await this.store.sessions.find(hashSecret(token), now.toISOString(), this.idleSince(now));
    if (!found || found.operator.disabled) return undefined;
    if (now.getTime() - Date.parse(found.session.lastSeenAt) >= TOUCH_EVERY_MS) {
      await this.store.sessions.touch(found.session.id, now.toISOString());
    }
    return { operator: await withGroups(this.store, found.operator), session: found.session };
  }

  async operatorForSession(token: string | undefined): Promise<Operator | undefined> {
    return (await this.signedIn(token))?.operator;
  }

  /**
   * Ends the session. Answers whose it was and whether it was their last live one (then their open chats are told
   * they signed out, P-34); null when there was no session.
   */
  async logout(
    token: string | undefined,
    client: Client,
  ): Promise<{ operatorId: string; lastSession: boolean } | null> {
    const signedIn = await this.signedIn(token);
    if (!token || !signedIn) return null;
    await this.store.transaction(async (tx) => {
      await tx.sessions.delete(hashSecret(token));
      await audit(
        tx,
        { name: signedIn.operator.username, address: client.address },
        'auth.sign_out',
        null,
        {},
        this.now(),
      );
    });
    const operatorId = signedIn.operator.id;
    this.sessionsEnded(operatorId);
    return { operatorId, lastSession: (await this.sessionsOf(operatorId)).length === 0 };
  }

  /** The operator's live sessions, latest used first. */
  async sessionsOf(operatorId: string): Promise<SessionRecord[]> {
    const now = this.now();
    return this.store.sessions.listOf(operatorId, now.toISOString(), this.idleSince(now));
  }

  /** Ends one of the operator's own sessions. */
  async endSession(operator: Operator, sessionId: string, client: Client): Promise<CommandResult<null>> {
    const mine = (await this.sessionsOf(operator.id)).some((session) => session.id === sessionId);
    if (!mine) return { ok: false, code: 'not_found', message: 'no such session of yours' };
    await this.store.transaction(async (tx) => {
      await tx.sessions.delete(sessionId);
      await audit(
        tx,
        { name: operator.username, address: client.address },
        'auth.session_end',
        null,
        {},
        this.now(),
      );
    });
    this.sessionsEnded(operator.id);
    return { ok: true, value: null };
  }

  /** A new operator's record, password hashed (the caller stores it, with its audit row). */
  async newOperator(input: {
    username: string;
    password: string;
    displayName?: string;
    capabilities: readonly string[];
    superAdmin?: boolean;
  }): Promise<NewOperator> {
    return {
      id: uuidv7(),
      username: input.username,
      displayName: input.displayName ?? input.username,
      passwordHash: await hashPassword(input.password),
      capabilities: [...input.capabilities],
      superAdmin: input.superAdmin ?? false,
    };
  }

  /**
   * Creates operator `admin`, the super-administrator, on a fresh database. Returns the password it generated. No
   * display name: a generic one ("Administrator") is what the end user would see; the console asks for theirs
   * before the first chat.
   */
  async ensureAdmin(
    password: string | null,
  ): Promise<{ created: boolean; generatedPassword: string | null }> {
    if (await this.store.operators.findByUsername('admin'))
      return { created: false, generatedPassword: null };
    const chosen = password ?? newSecret().slice(0, 20);
    const admin = await this.newOperator({
      username: 'admin',
      password: chosen,
      displayName: '',
      capabilities: CAPABILITIES,
      superAdmin: true,
    });
    // False: another node of the cluster created it first.
    const created = await this.store.operators.create(admin, this.now().toISOString());
    return { created, generatedPassword: created && !password ? chosen : null };
  }
}

/** How long `failures` consecutive failures lock an account: none below the limit, then doubling to the cap. */
export function lockFor(failures: number, limit: number): number {
  if (failures < limit) return 0;
  return Math.min(SIGN_IN_LIMITS.maxLockMs, SIGN_IN_LIMITS.firstLockMs * 2 ** (failures - limit));
}
