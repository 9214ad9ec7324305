/** Small helpers the bench files share. */
import { realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** True when the module at `moduleUrl` is the script node was started with (`node … bench/x.ts`). */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  const self = fileURLToPath(moduleUrl);
  try {
    return realpathSync(script) === realpathSync(self);
  } catch {
    return false;
  }
}

/** Resident set size of a process in bytes (VmRSS), or null once it is gone. */
export async function readRss(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** CPU time (user + system) a process has used so far, in milliseconds, or null once it is gone. */
export async function readCpuMs(pid: number): Promise<number | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS_PER_SECOND = 100;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Machine-wide CPU time so far (all cores, from /proc/stat), in milliseconds. */
export async function readMachineCpuMs(): Promise<{
  busyMs: number;
  iowaitMs: number;
  totalMs: number;
} | null> {
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
    const toMs = (ticks: number) => (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
    return {
      busyMs: toMs(busy),
      iowaitMs: toMs(iowait ?? 0),
      totalMs: toMs(busy + (idle ?? 0) + (iowait ?? 0)),
    };
  } catch {
    return null;
  }
}

/** What bench/probe.ts prefixes its stderr lines with. */
export const PROBE_PREFIX = 'bench-probe ';

/** What bench/settle.ts prefixes its stderr line with, once the heap has settled. */
export const SETTLED_PREFIX = 'bench-settled ';
