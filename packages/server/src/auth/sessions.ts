import type { OperatorView } from '@parley/protocol';
import { hashSecret, newSecret, uuidv7 } from '../ids.js';
import { CAPABILITIES } from '../rights/capabilities.js';
import type { Store } from '../store/store.js';
import type { OperatorRecord } from './operatorStore.js';
import { hashPassword, verifyPassword } from './passwords.js';

export const SESSION_COOKIE = 'parley_session';
export const SESSION_HOURS = 12;

export function presentOperator(op: OperatorRecord): OperatorView {
  return { id: op.id, username: op.username, displayName: op.displayName, capabilities: op.capabilities };
}

/** Operators and their sign-in sessions. */
export class AuthService {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Returns the new session's token (the cookie's value), or null for wrong credentials. */
  async login(
    username: string,
    password: string,
  ): Promise<{ token: string; operator: OperatorRecord } | null> {
    const operator = await this.store.operators.findByUsername(username);
    const ok = await verifyPassword(operator?.passwordHash, password);
    if (!operator || !ok) return null;
    const token = newSecret();
    const at = this.now();
    await this.store.deleteExpired(at.toISOString());
    const expires = new Date(at.getTime() + SESSION_HOURS * 3600_000);
    await this.store.sessions.create(hashSecret(token), operator.id, at.toISOString(), expires.toISOString());
    return { token, operator };
  }

  async operatorForSession(token: string | undefined): Promise<OperatorRecord | undefined> {
    if (!token || token.length > 256) return undefined;
    return this.store.sessions.findOperator(hashSecret(token), this.now().toISOString());
  }

  async logout(token: string | undefined): Promise<void> {
    if (token) await this.store.sessions.delete(hashSecret(token));
  }

  async createOperator(input: {
    username: string;
    password: string;
    displayName?: string;
    capabilities: readonly string[];
  }): Promise<OperatorRecord> {
    const operator: OperatorRecord = {
      id: uuidv7(),
      username: input.username,
      displayName: input.displayName ?? input.username,
      passwordHash: await hashPassword(input.password),
      capabilities: [...input.capabilities],
    };
    await this.store.operators.create(operator, this.now().toISOString());
    return operator;
  }

  /** Creates operator `admin` with every capability on a fresh database. Returns the password it generated. */
  async ensureAdmin(
    password: string | null,
  ): Promise<{ created: boolean; generatedPassword: string | null }> {
    if (await this.store.operators.findByUsername('admin'))
      return { created: false, generatedPassword: null };
    const chosen = password ?? newSecret().slice(0, 20);
    try {
      await this.createOperator({
        username: 'admin',
        password: chosen,
        displayName: 'Administrator',
        capabilities: CAPABILITIES,
      });
    } catch (error) {
      // Another node of the cluster created it first.
      if (await this.store.operators.findByUsername('admin'))
        return { created: false, generatedPassword: null };
      throw error;
    }
    return { created: true, generatedPassword: password ? null : chosen };
  }
}
