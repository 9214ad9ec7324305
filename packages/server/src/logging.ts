import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';

/** How `npm start` logs: for people (the default) or as JSON lines on standard output (`PARLEY_LOG_FORMAT=json`). */
export type LogFormat = 'text' | 'json';

const LEVEL_NAMES: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/** One JSON log line as a line for people: `parley: warn: <msg> (<fields>)`. Never throws. */
export function readableLogLine(json: string): string {
  try {
    const {
      level,
      msg,
      time: _time,
      pid: _pid,
      hostname: _hostname,
      err,
      ...rest
    } = JSON.parse(json) as Record<string, unknown>;
    const name = (typeof level === 'number' && LEVEL_NAMES[level]) || String(level);
    const error =
      err && typeof err === 'object' && 'message' in err
        ? `: ${String((err as { message: unknown }).message)}`
        : '';
    const fields = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
    return `parley: ${name}: ${String(msg ?? '')}${error}${fields}\n`;
  } catch {
    return `parley: ${json.trimEnd()}\n`;
  }
}

/**
 * The server's logger. `json`: every line on standard output, as before. `text`: every line as JSON in
 * `<dataDir>/parley.log` (for a log file, a grep, a shipper), and warnings and errors also on standard error as
 * lines for people, so the terminal shows what the start printed and what went wrong.
 */
export function createLogger(options: { format: LogFormat; level: string; dataDir: string }): {
  log: Logger;
  logFile: string | null;
} {
  if (options.format === 'json') return { log: pino({ level: options.level }), logFile: null };
  mkdirSync(options.dataDir, { recursive: true });
  const logFile = join(options.dataDir, 'parley.log');
  const people = { write: (line: string) => process.stderr.write(readableLogLine(line)) };
  const log = pino(
    { level: options.level },
    pino.multistream([
      {
        level: options.level as pino.Level,
        stream: pino.destination({ dest: logFile, append: true, sync: true }),
      },
      { level: 'warn', stream: people },
    ]),
  );
  return { log, logFile };
}
