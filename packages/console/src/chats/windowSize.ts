export interface Size {
  width: number;
  height: number;
}

export const MIN_WINDOW: Size = { width: 300, height: 320 };
export const DEFAULT_WINDOW: Size = { width: 360, height: 500 };
/** Space kept free around a chat window (the dock's margin and the app bar). */
export const VIEWPORT_MARGIN: Size = { width: 32, height: 80 };
export const SIZE_KEY = 'parley.chatWindowSize';

/** Each operator's windows keep their own size in a shared browser. */
export function sizeKey(operatorId: string): string {
  return `${SIZE_KEY}.${operatorId}`;
}

/** Keeps a window size between the minimum and what fits the viewport (the minimum wins on a tiny screen). */
export function clampSize(size: Size, viewport: Size, margin: Size = VIEWPORT_MARGIN): Size {
  const maxWidth = Math.max(MIN_WINDOW.width, viewport.width - margin.width);
  const maxHeight = Math.max(MIN_WINDOW.height, viewport.height - margin.height);
  return {
    width: Math.round(Math.min(maxWidth, Math.max(MIN_WINDOW.width, size.width))),
    height: Math.round(Math.min(maxHeight, Math.max(MIN_WINDOW.height, size.height))),
  };
}

/**
 * The size while dragging the top-left corner of a window anchored at its bottom-right: moving the pointer left/up
 * by (dx, dy) grows it by as much.
 */
export function resizeFromTopLeft(start: Size, dx: number, dy: number): Size {
  return { width: start.width - dx, height: start.height - dy };
}

function isSize(value: unknown): value is Size {
  if (typeof value !== 'object' || value === null) return false;
  const { width, height } = value as { width?: unknown; height?: unknown };
  return (
    typeof width === 'number' &&
    typeof height === 'number' &&
    Number.isFinite(width) &&
    Number.isFinite(height)
  );
}

type Store = Pick<Storage, 'getItem' | 'setItem'>;

/** The last size a chat window was given, or the default (storage may be missing, full or hold junk). */
export function loadSize(storage: Store | null, key: string = SIZE_KEY): Size {
  try {
    const raw = storage?.getItem(key);
    if (!raw) return DEFAULT_WINDOW;
    const value: unknown = JSON.parse(raw);
    return isSize(value) ? value : DEFAULT_WINDOW;
  } catch {
    return DEFAULT_WINDOW;
  }
}

export function saveSize(storage: Store | null, size: Size, key: string = SIZE_KEY): void {
  try {
    storage?.setItem(key, JSON.stringify({ width: size.width, height: size.height }));
  } catch {
    // Private mode or a full store: the size is simply not remembered.
  }
}
