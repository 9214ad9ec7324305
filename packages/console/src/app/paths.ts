/** Typed path patterns: `/chats/:chatId` matches `/chats/abc` with `{ chatId: 'abc' }`, and builds it back. */

/** The params a pattern names, each a string: `Params<'/chats/:chatId'>` is `{ chatId: string }`. */
export type Params<Pattern extends string> = Pattern extends `${string}:${infer Name}/${infer Rest}`
  ? { [K in Name | keyof Params<`/${Rest}`>]: string }
  : Pattern extends `${string}:${infer Name}`
    ? { [K in Name]: string }
    : Record<never, string>;

/** A param is one path segment, decoded, 1 to 64 characters (ids; anything longer is no page of ours). */
export const MAX_PARAM_LENGTH = 64;

/** `/a/b/` → `/a/b`; `` → `/`. */
export function normalizePath(pathname: string): string {
  return pathname.replace(/\/+$/, '') || '/';
}

/** The pattern's params in `pathname` (already normalized), or null when it does not match. */
export function matchPath<Pattern extends string>(
  pattern: Pattern,
  pathname: string,
): Params<Pattern> | null {
  const want = pattern.split('/');
  const got = pathname.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const segment = got[i] ?? '';
    if (!part.startsWith(':')) {
      if (part !== segment) return null;
      continue;
    }
    let value: string;
    try {
      value = decodeURIComponent(segment);
    } catch {
      return null;
    }
    if (value.length === 0 || value.length > MAX_PARAM_LENGTH) return null;
    params[part.slice(1)] = value;
  }
  return params as Params<Pattern>;
}

/** The path for a pattern and its params (each encoded as one segment). */
export function buildPath<Pattern extends string>(pattern: Pattern, params: Params<Pattern>): string {
  const values: Record<string, string> = params;
  return pattern
    .split('/')
    .map((part) => (part.startsWith(':') ? encodeURIComponent(values[part.slice(1)] ?? '') : part))
    .join('/');
}
