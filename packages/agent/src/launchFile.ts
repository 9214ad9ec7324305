import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Who must be able to read a launch file: the end user's uid, when the agent runs as another account. */
export interface LaunchOwner {
  uid: number;
}

/** How long a launch file stays when the page never comes (the browser failed, nobody clicked). */
export const LAUNCH_FILE_TTL_MS = 5 * 60_000;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The page's key travels in the fragment of its URL, and that URL must never be on a command line (any local user
 * can read `/proc/<pid>/cmdline` or the process list). So the opener is given a small HTML file instead, readable
 * by the end user only, that sends the browser on to the page: the command line shows a file name, no secret.
 * Each file lives in its own directory made by `mkdtemp` (mode 0700: no other user can list or read it), which the
 * agent hands to the end user when it runs as root for them.
 */
export class LaunchFiles {
  private readonly made = new Map<string, { dir: string; timer: NodeJS.Timeout }>();

  constructor(private readonly root: string = tmpdir()) {}

  /** Writes a launch file for `chatId` that opens `pageUrl`; returns its file:// URL. Replaces an older one. */
  write(chatId: string, pageUrl: string, owner: LaunchOwner | null): string {
    this.remove(chatId);
    const dir = mkdtempSync(join(this.root, 'parley-chat-'));
    const file = join(dir, 'chat.html');
    const href = escapeHtml(pageUrl);
    writeFileSync(
      file,
      '<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer">' +
        `<meta http-equiv="refresh" content="0;url=${href}"><title>Help desk chat</title>` +
        `<p><a href="${href}">Open the help desk chat</a></p>\n`,
      { mode: 0o600, flag: 'wx' },
    );
    chmodSync(dir, 0o700);
    if (owner) {
      // gid -1 keeps the group: only the owner's bits matter with modes 0700 / 0600.
      chownSync(file, owner.uid, -1);
      chownSync(dir, owner.uid, -1);
    }
    const timer = setTimeout(() => this.remove(chatId), LAUNCH_FILE_TTL_MS);
    timer.unref();
    this.made.set(chatId, { dir, timer });
    return pathToFileURL(file).href;
  }

  /** The page came (or the chat is over): its launch file is not needed any more. */
  remove(chatId: string): void {
    const made = this.made.get(chatId);
    if (!made) return;
    clearTimeout(made.timer);
    this.made.delete(chatId);
    rmSync(made.dir, { recursive: true, force: true });
  }

  removeAll(): void {
    for (const chatId of [...this.made.keys()]) this.remove(chatId);
  }
}
