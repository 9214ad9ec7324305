import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { ChatInfo } from '@parley/protocol';
import { z } from 'zod/mini';

/**
 * What the page server keeps on disk (beside the agent's credential, readable by the agent's account only), so that
 * an agent that restarts or dies comes back on the same port with the same page keys: the pages still open
 * reconnect, prove themselves and send what they still hold, and no second window opens.
 */
export const PageState = z.object({
  port: z.number().check(z.int(), z.gte(1), z.lte(65_535)),
  chats: z
    .array(z.object({ info: ChatInfo, key: z.string().check(z.minLength(32), z.maxLength(128)) }))
    .check(z.maxLength(10_000)),
});
export type PageState = z.infer<typeof PageState>;

/** The saved state, or null when there is none or it cannot be read (it is then rebuilt from the server). */
export function readPageState(file: string): PageState | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = PageState.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Written whole to a temporary file and renamed over the old one, so a crash never leaves half a file. */
export function writePageState(file: string, state: PageState): void {
  const temporary = `${file}.${randomBytes(8).toString('hex')}.tmp`;
  writeFileSync(temporary, JSON.stringify(state), { mode: 0o600, flag: 'wx' });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}
