import { chmodSync, chownSync, mkdtempSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
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
 * Each file lives in its own directory made by `mkdtemp`, which stays the agent's: mode 0700, or 0711 when the file
 * is for another user (who may open the file by its name, never list or change the directory); only the file (0600)
 * is handed to the end user. Removing it is an unlink and an rmdir, never a recursive walk of what a user could
 * reach.
 */
export class LaunchFiles {
  private readonly made = new Map<string, { dir: string; file: string; timer: NodeJS.Timeout }>();

  private readonly onUnused: (chatId: string) => void;
  private readonly root: string;
  private readonly ttlMs: number;

  constructor(
    options: {
      /** A launch file outlived its time unused: the browser never came (it may not see the file). */
      onUnused?: (chatId: string) => void;
      root?: string;
      ttlMs?: number;
    } = {},
  ) {
    this.onUnused = options.onUnused ?? (() => {});
    this.root = options.root ?? tmpdir();
    this.ttlMs = options.ttlMs ?? LAUNCH_FILE_TTL_MS;
  }

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
    // gid -1 keeps the group: only the owner's bits matter with mode 0600.
    if (owner) chownSync(file, owner.uid, -1);
    chmodSync(dir, owner ? 0o711 : 0o700);
    const timer = setTimeout(() => {
      this.remove(chatId);
      this.onUnused(chatId);
    }, this.ttlMs);
    timer.unref();
    this.made.set(chatId, { dir, file, timer });
    return pathToFileURL(file).href;
  }

  /** The page came (or the chat is over): its launch file is not needed any more. */
  remove(chatId: string): void {
    const made = this.made.get(chatId);
    if (!made) return;
    clearTimeout(made.timer);
    this.made.delete(chatId);
    for (const remove of [() => unlinkSync(made.file), () => rmdirSync(made.dir)]) {
      try {
        remove();
      } catch {
        // Already gone (or not empty: then it stays, the agent's own, until the OS cleans its temp directory).
      }
    }
  }

  removeAll(): void {
    for (const chatId of [...this.made.keys()]) this.remove(chatId);
  }
}
