import { statSync } from 'node:fs';
import { dirname } from 'node:path';

/** Why another account could change `path` (POSIX), or null when only this account and root can. */
function changeableByOthers(path: string): string | null {
  const stat = statSync(path);
  const uid = process.getuid?.();
  if (stat.uid !== 0 && stat.uid !== uid) return `belongs to another account (uid ${stat.uid})`;
  // A sticky directory (/tmp) lets others add files, not replace this one.
  const sticky = stat.isDirectory() && (stat.mode & 0o1000) !== 0;
  if ((stat.mode & 0o022) !== 0 && !sticky)
    return `is writable by other accounts (mode ${(stat.mode & 0o777).toString(8)})`;
  return null;
}

/**
 * Refuses a file the agent trusts (the CA file, its own configuration) when another account could change it or the
 * directory it is in: whoever could, could point the agent at another server. `consequence` says so in the error.
 * `secret`: the file must not be readable by others either (it holds the device credential). On Windows the
 * file's ACL is the administrator's business (and config.ts sets it).
 */
export function assertTrusted(
  what: string,
  path: string,
  consequence: string,
  options: { secret?: boolean; platform?: NodeJS.Platform } = {},
): void {
  if ((options.platform ?? process.platform) === 'win32') return;
  for (const [name, target] of [
    [what, path],
    [`directory of the ${what}`, dirname(path)],
  ] as const) {
    const problem = changeableByOthers(target);
    if (problem) throw new Error(`the ${name} ${target} ${problem}: ${consequence}`);
  }
  const mode = statSync(path).mode & 0o777;
  if (options.secret && (mode & 0o077) !== 0)
    throw new Error(
      `the ${what} ${path} is readable by other accounts (mode ${mode.toString(8)}): it holds the device credential; chmod 600 it`,
    );
}
