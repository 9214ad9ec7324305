/**
 * Splits a command line given as one string (`--open-with`) into argv, without a shell:
 * - whitespace separates arguments;
 * - single or double quotes group what is between them into one argument (the quotes are removed), and quoted and
 *   unquoted parts next to each other make one argument (`--profile="My Profile"`); `""` is an empty argument;
 * - a backslash is literal, so Windows paths need no escaping (`C:\Program Files\b.exe`), except `\"` inside double
 *   quotes, which is a literal `"`; inside single quotes nothing is special.
 * An unterminated quote throws, naming it; `what` (e.g. `--open-with`) says where the command line came from.
 */
export function splitCommandLine(line: string, what = 'the command line'): string[] {
  const args: string[] = [];
  let current = '';
  /** Whether an argument has begun: `""` makes an empty one, whitespace alone makes none. */
  let started = false;
  let quote: "'" | '"' | null = null;
  let quoteAt = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i);
    if (quote === "'") {
      if (c === "'") quote = null;
      else current += c;
    } else if (quote === '"') {
      if (c === '\\' && line.charAt(i + 1) === '"') {
        current += '"';
        i++;
      } else if (c === '"') quote = null;
      else current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      quoteAt = i;
      started = true;
    } else if (/\s/.test(c)) {
      if (started) args.push(current);
      current = '';
      started = false;
    } else {
      current += c;
      started = true;
    }
  }
  if (quote !== null) {
    const kind = quote === '"' ? 'double' : 'single';
    throw new Error(`${what}: unterminated ${kind} quote at character ${quoteAt + 1} of ${line}`);
  }
  if (started) args.push(current);
  return args;
}
