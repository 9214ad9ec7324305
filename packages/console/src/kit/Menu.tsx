import { ChevronDown, ChevronLeft, type LucideIcon } from 'lucide-react';
import { type KeyboardEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { Button } from './Button';
import { menuKeyAction } from './menuKeys';
import { useDismiss } from './useDismiss';

export interface MenuItemSpec {
  id: string;
  label: string;
  icon?: LucideIcon;
  /** A leaf item's action (the menu closes first). */
  onSelect?: () => void;
  /** A submenu. */
  items?: MenuItemSpec[];
  /**
   * Why the item cannot be used now: it stays in the menu, focusable but dimmed (`aria-disabled`), and says this
   * (its description); choosing it does nothing.
   */
  disabledReason?: string;
  /**
   * Why the item will not work now, as far as the screen knows: dimmed with this said, like `disabledReason`, but
   * choosing it still runs `onSelect` (which explains, or tries: what the screen knows may be out of date).
   */
  dimmedReason?: string;
}

type FocusRequest = { where: 'first' | 'last'; key: number } | null;

let focusKeys = 0;
const focusFirst = (): FocusRequest => ({ where: 'first', key: ++focusKeys });

interface MenuProps {
  id: string;
  labelledBy: string;
  items: MenuItemSpec[];
  focus: FocusRequest;
  nested: boolean;
  /** Closes the whole menu tree (and puts focus back on the menu button when asked). */
  closeAll(focusButton: boolean): void;
  /** Closes this menu only (a submenu: focus goes back to its parent item). */
  closeSelf(): void;
}

function Menu({ id, labelledBy, items, focus, nested, closeAll, closeSelf }: MenuProps) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const [sub, setSub] = useState<{ index: number; focus: FocusRequest } | null>(null);
  const baseId = useId();

  useEffect(() => {
    if (!focus) return;
    refs.current[focus.where === 'first' ? 0 : items.length - 1]?.focus();
  }, [focus, items.length]);

  const openSub = (index: number, withFocus: boolean) => {
    if (items[index]?.items) setSub({ index, focus: withFocus ? focusFirst() : null });
  };

  const select = (index: number) => {
    const item = items[index];
    if (!item || item.disabledReason) return;
    if (item.items) {
      openSub(index, true);
      return;
    }
    closeAll(true);
    item.onSelect?.();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const current = refs.current.indexOf(document.activeElement as HTMLButtonElement);
    // Focus in a submenu: it handled the key itself. A shortcut with a modifier is not the menu's.
    if (current === -1 || event.ctrlKey || event.metaKey || event.altKey) return;
    const action = menuKeyAction(event.key, {
      index: current,
      labels: items.map((item) => item.label),
      hasSubmenu: Boolean(items[current]?.items),
      nested,
    });
    if (!action) return;
    if (action.type === 'leave') {
      closeAll(false);
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    if (action.type === 'focus') refs.current[action.index]?.focus();
    else if (action.type === 'openSubmenu') openSub(current, true);
    else if (action.type === 'closeSubmenu') closeSelf();
    else if (action.type === 'select') select(current);
    else closeAll(true);
  };

  return (
    <div
      role="menu"
      id={id}
      aria-labelledby={labelledBy}
      className={nested ? 'menu menu--sub' : 'menu'}
      onKeyDown={onKeyDown}
    >
      {items.map((item, index) => {
        const Icon = item.icon;
        const itemId = `${baseId}-${item.id}`;
        const subOpen = sub?.index === index;
        const why = item.disabledReason ?? item.dimmedReason;
        return (
          <div role="none" key={item.id} className="menu__entry">
            <button
              ref={(element) => {
                refs.current[index] = element;
              }}
              id={itemId}
              type="button"
              role="menuitem"
              tabIndex={-1}
              className={item.dimmedReason ? 'menu__item menu__item--dimmed' : 'menu__item'}
              aria-haspopup={item.items ? 'menu' : undefined}
              aria-expanded={item.items ? subOpen : undefined}
              aria-controls={item.items && subOpen ? `${itemId}-menu` : undefined}
              aria-disabled={item.disabledReason ? true : undefined}
              aria-describedby={why ? `${itemId}-why` : undefined}
              onClick={() => select(index)}
              onPointerEnter={() => {
                if (item.items) openSub(index, false);
                else if (sub) setSub(null);
              }}
            >
              {item.items && <ChevronLeft className="menu__chevron" size={14} aria-hidden="true" />}
              {Icon && <Icon size={16} aria-hidden="true" />}
              <span>{item.label}</span>
              {why && (
                <span id={`${itemId}-why`} className="menu__why">
                  {why}
                </span>
              )}
            </button>
            {item.items && subOpen && (
              <Menu
                id={`${itemId}-menu`}
                labelledBy={itemId}
                items={item.items}
                focus={sub.focus}
                nested
                closeAll={closeAll}
                closeSelf={() => {
                  setSub(null);
                  refs.current[index]?.focus();
                }}
              />
            )}
          </div>
        );
      })}
    </div>
  );
}

/**
 * A menu button (WAI-ARIA menu button pattern) with optional submenus. Enter, Space or ArrowDown open it on the
 * first item, ArrowUp on the last; ArrowUp/ArrowDown (wrapping), Home and End move; a letter moves to the next item
 * that starts with it; ArrowRight (or ArrowLeft: submenus open on the left) opens a submenu, ArrowLeft or Esc
 * closes it; Esc closes the menu and gives the focus back to the button; Tab or a click elsewhere closes it.
 */
export function MenuButton({
  label,
  items,
  describedBy,
  busy = false,
}: {
  label: string;
  items: MenuItemSpec[];
  describedBy?: string;
  busy?: boolean;
}) {
  const [focus, setFocus] = useState<FocusRequest>(null);
  const open = focus !== null;
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const buttonId = useId();
  const menuId = useId();

  const closeAll = useCallback((focusButton: boolean) => {
    setFocus(null);
    if (focusButton) buttonRef.current?.focus();
  }, []);
  useDismiss(open, rootRef, () => closeAll(false), { onFocusOut: true });

  const openAt = (where: 'first' | 'last') => setFocus({ where, key: ++focusKeys });

  return (
    <div className="menu-root" ref={rootRef}>
      <Button
        ref={buttonRef}
        id={buttonId}
        small
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        aria-describedby={describedBy}
        busy={busy}
        onClick={() => (open ? closeAll(false) : openAt('first'))}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
            event.preventDefault();
            openAt(event.key === 'ArrowDown' ? 'first' : 'last');
          } else if (event.key === 'Escape' && open) {
            event.preventDefault();
            closeAll(true);
          }
        }}
      >
        <span>{label}</span>
        <ChevronDown size={14} aria-hidden="true" />
      </Button>
      {open && (
        <Menu
          id={menuId}
          labelledBy={buttonId}
          items={items}
          focus={focus}
          nested={false}
          closeAll={closeAll}
          closeSelf={() => closeAll(true)}
        />
      )}
    </div>
  );
}
