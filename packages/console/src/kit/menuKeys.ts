/**
 * What a key does in a menu (WAI-ARIA menu pattern), as data, so `Menu` only carries it out and the rules can be
 * tested without a browser.
 */
export type MenuKeyAction =
  /** Move the focus to the item at `index`. */
  | { type: 'focus'; index: number }
  /** Open the focused item's submenu, focus on its first item. */
  | { type: 'openSubmenu' }
  /** Close this submenu; the focus goes back to its parent item. */
  | { type: 'closeSubmenu' }
  /** Activate the focused item (a leaf runs its action, a parent opens its submenu). */
  | { type: 'select' }
  /** Close every menu, and put the focus back on the menu button. */
  | { type: 'closeAll' }
  /** Tab: close every menu and let the key move the focus on as usual. */
  | { type: 'leave' };

export interface MenuKeyContext {
  /** The focused item. */
  index: number;
  /** The items' labels, in order (for type-ahead). */
  labels: readonly string[];
  /** Whether the focused item opens a submenu. */
  hasSubmenu: boolean;
  /** Whether this menu is a submenu. */
  nested: boolean;
}

/** The next item after `from` (wrapping) whose label starts with `letter`, or -1. */
export function itemByLetter(labels: readonly string[], from: number, letter: string): number {
  const wanted = letter.toLocaleLowerCase();
  for (let step = 1; step <= labels.length; step++) {
    const index = (from + step) % labels.length;
    if (labels[index]?.trim().toLocaleLowerCase().startsWith(wanted)) return index;
  }
  return -1;
}

function wrap(index: number, count: number): number {
  return ((index % count) + count) % count;
}

/**
 * The action for `key` in a menu, or null when the menu leaves the key alone. Submenus open to the left of their
 * parent here, so ArrowLeft opens one too (in a top-level menu) besides the usual ArrowRight.
 */
export function menuKeyAction(key: string, menu: MenuKeyContext): MenuKeyAction | null {
  const count = menu.labels.length;
  switch (key) {
    case 'ArrowDown':
      return { type: 'focus', index: wrap(menu.index + 1, count) };
    case 'ArrowUp':
      return { type: 'focus', index: wrap(menu.index - 1, count) };
    case 'Home':
      return { type: 'focus', index: 0 };
    case 'End':
      return { type: 'focus', index: count - 1 };
    case 'ArrowRight':
      return menu.hasSubmenu ? { type: 'openSubmenu' } : null;
    case 'ArrowLeft':
      if (menu.nested) return { type: 'closeSubmenu' };
      return menu.hasSubmenu ? { type: 'openSubmenu' } : null;
    case 'Enter':
    case ' ':
      return { type: 'select' };
    case 'Escape':
      return menu.nested ? { type: 'closeSubmenu' } : { type: 'closeAll' };
    case 'Tab':
      return { type: 'leave' };
    default: {
      if ([...key].length !== 1 || key.trim() === '') return null;
      const index = itemByLetter(menu.labels, menu.index, key);
      return index === -1 ? null : { type: 'focus', index };
    }
  }
}
