import { describe, expect, it } from 'vitest';
import { itemByLetter, type MenuKeyContext, menuKeyAction } from './menuKeys';

const labels = ['Direct Access', 'Details', 'Remove', 'Rename'];
const at = (index: number, more: Partial<MenuKeyContext> = {}): MenuKeyContext => ({
  index,
  labels,
  hasSubmenu: false,
  nested: false,
  ...more,
});

describe('menu keys (WAI-ARIA menu pattern)', () => {
  it('moves with the arrows, wrapping at both ends, and jumps with Home and End', () => {
    expect(menuKeyAction('ArrowDown', at(0))).toEqual({ type: 'focus', index: 1 });
    expect(menuKeyAction('ArrowDown', at(3))).toEqual({ type: 'focus', index: 0 });
    expect(menuKeyAction('ArrowUp', at(0))).toEqual({ type: 'focus', index: 3 });
    expect(menuKeyAction('Home', at(2))).toEqual({ type: 'focus', index: 0 });
    expect(menuKeyAction('End', at(1))).toEqual({ type: 'focus', index: 3 });
  });

  it('opens a submenu with ArrowRight, or ArrowLeft in a top-level menu (ours open on the left)', () => {
    expect(menuKeyAction('ArrowRight', at(0, { hasSubmenu: true }))).toEqual({ type: 'openSubmenu' });
    expect(menuKeyAction('ArrowLeft', at(0, { hasSubmenu: true }))).toEqual({ type: 'openSubmenu' });
    expect(menuKeyAction('ArrowRight', at(1))).toBeNull();
    expect(menuKeyAction('ArrowLeft', at(1))).toBeNull();
  });

  it('closes a submenu with ArrowLeft or Esc, and the whole menu with Esc at the top', () => {
    expect(menuKeyAction('ArrowLeft', at(0, { nested: true }))).toEqual({ type: 'closeSubmenu' });
    expect(menuKeyAction('Escape', at(0, { nested: true }))).toEqual({ type: 'closeSubmenu' });
    expect(menuKeyAction('Escape', at(0))).toEqual({ type: 'closeAll' });
  });

  it('activates with Enter and Space, and lets Tab leave', () => {
    expect(menuKeyAction('Enter', at(2))).toEqual({ type: 'select' });
    expect(menuKeyAction(' ', at(2))).toEqual({ type: 'select' });
    expect(menuKeyAction('Tab', at(2))).toEqual({ type: 'leave' });
  });

  it('moves to the next item starting with a typed letter, wrapping, in any case', () => {
    expect(menuKeyAction('r', at(0))).toEqual({ type: 'focus', index: 2 });
    expect(menuKeyAction('R', at(2))).toEqual({ type: 'focus', index: 3 });
    expect(menuKeyAction('r', at(3))).toEqual({ type: 'focus', index: 2 });
    expect(menuKeyAction('d', at(0))).toEqual({ type: 'focus', index: 1 });
    expect(menuKeyAction('x', at(0))).toBeNull();
    expect(itemByLetter(['Only'], 0, 'o')).toBe(0);
    expect(itemByLetter([], 0, 'o')).toBe(-1);
  });

  it('leaves other keys alone', () => {
    for (const key of ['Shift', 'F5', 'PageDown', 'Backspace']) expect(menuKeyAction(key, at(0))).toBeNull();
  });
});
