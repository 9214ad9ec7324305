import { ChevronDown, ChevronLeft, type LucideIcon } from 'lucide-react';
import { type KeyboardEvent, useCallback, useEffect, useId, useRef, useState } from 'react';

export interface MenuItemSpec {
  id: string;
  label: string;
  icon?: LucideIcon;
  /** A leaf item's action (the menu closes first). */
  onSelect?: () => void;
  /** A submenu. */
  items?: MenuItemSpec[];
}

type FocusRequest = { where: 'first' | 'last'; key: number } | null;

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

let focusKeys = 0;

function Menu({ id, labelledBy, items, focus, nested, closeAll, closeSelf }: MenuProps) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const [sub, setSub] = useState<{ index: number; focus: FocusRequest } | null>(null);
  const baseId = useId();

  useEffect(() => {
    if (!focus) return;
    const target = focus.where === 'first' ? refs.current[0] : refs.current[items.length - 1];
    target?.focus();
  }, [focus, items.length]);

  const focusAt = (index: number) => {
    const count = items.length;
    refs.current[((index % count) + count) % count]?.focus();
  };

  const openSub = (index: number, withFocus: boolean) => {
    if (!items[index]?.items) return;
    setSub({ index, focus: withFocus ? { where: 'first', key: ++focusKeys } : null });
  };

  const select = (index: number) => {
    const item = items[index];
    if (!item) return;
    if (item.items) {
      openSub(index, true);
      return;
    }
    closeAll(true);
    item.onSelect?.();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const current = refs.current.indexOf(document.activeElement as HTMLButtonElement);
    if (current === -1) return; // focus is in a submenu, which handled the key itself
    const item = items[current];
    let handled = true;
    switch (event.key) {
      case 'ArrowDown':
        focusAt(current + 1);
        break;
      case 'ArrowUp':
        focusAt(current - 1);
        break;
      case 'Home':
        focusAt(0);
        break;
      case 'End':
        focusAt(items.length - 1);
        break;
      case 'ArrowRight':
        // The usual key to open a submenu; ours shows on the left, so ArrowLeft opens one too (outside a submenu).
        if (item?.items) openSub(current, true);
        else handled = false;
        break;
      case 'ArrowLeft':
        if (nested) closeSelf();
        else if (item?.items) openSub(current, true);
        else handled = false;
        break;
      case 'Enter':
      case ' ':
        select(current);
        break;
      case 'Escape':
        if (nested) closeSelf();
        else closeAll(true);
        break;
      case 'Tab':
        closeAll(false);
        handled = false;
        break;
      default:
        handled = false;
    }
    if (handled) {
      event.preventDefault();
      event.stopPropagation();
    }
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
              className="menu__item"
              aria-haspopup={item.items ? 'menu' : undefined}
              aria-expanded={item.items ? subOpen : undefined}
              aria-controls={item.items && subOpen ? `${itemId}-menu` : undefined}
              onClick={() => select(index)}
              onPointerEnter={() => {
                if (item.items) openSub(index, false);
                else if (sub) setSub(null);
              }}
            >
              {item.items && <ChevronLeft className="menu__chevron" size={14} aria-hidden="true" />}
              {Icon && <Icon size={16} aria-hidden="true" />}
              <span>{item.label}</span>
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
 * A menu button (ARIA menu pattern) with optional submenus: Enter, Space or the arrows open it; arrows move; Esc
 * closes (a submenu first); Tab or a click elsewhere closes it.
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

  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: PointerEvent) => {
      if (event.target instanceof Node && rootRef.current?.contains(event.target)) return;
      closeAll(false);
    };
    // Focus leaving the menu (Tab, or a click on something focusable elsewhere) closes it too.
    const root = rootRef.current;
    const onFocusOut = (event: FocusEvent) => {
      const next = event.relatedTarget;
      if (next instanceof Node && !root?.contains(next)) closeAll(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    root?.addEventListener('focusout', onFocusOut);
    return () => {
      document.removeEventListener('pointerdown', onPointerDown);
      root?.removeEventListener('focusout', onFocusOut);
    };
  }, [open, closeAll]);

  const openAt = (where: 'first' | 'last') => setFocus({ where, key: ++focusKeys });

  return (
    <div className="menu-root" ref={rootRef}>
      <button
        ref={buttonRef}
        id={buttonId}
        type="button"
        className="button button--ghost button--small"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        aria-describedby={describedBy}
        aria-busy={busy || undefined}
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
      </button>
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
