// Arrow keys in lists of selectable rows (grant rows, people cards): ArrowUp and ArrowDown move the focus to the
// previous or next row, Home and End to the first and last. Tab still leaves the list as usual.

/** The row to focus after `key` when row `index` of `count` has the focus; null when the key does not move. */
export function nextIndex(key: string, index: number, count: number): number | null {
  if (count === 0) return null;
  switch (key) {
    case "ArrowDown":
      return index < 0 ? 0 : Math.min(index + 1, count - 1);
    case "ArrowUp":
      return index < 0 ? count - 1 : Math.max(index - 1, 0);
    case "Home":
      return 0;
    case "End":
      return count - 1;
    default:
      return null;
  }
}

/** The little of the DOM the handler needs (so it can be tested without a browser). */
export interface FocusableRow {
  focus(): void;
}

export interface RowContainer<T extends FocusableRow> {
  querySelectorAll(selector: string): ArrayLike<T>;
}

/**
 * The keydown handler of a list: moves the focus among the elements matching `selector` inside the list. Returns
 * whether it moved (and then the key's default, scrolling, is prevented).
 */
export function moveFocus<T extends FocusableRow>(
  event: { key: string; altKey: boolean; ctrlKey: boolean; metaKey: boolean; preventDefault(): void },
  container: RowContainer<T>,
  selector: string,
  active: unknown,
): boolean {
  if (event.altKey || event.ctrlKey || event.metaKey) return false;
  const rows = Array.from(container.querySelectorAll(selector));
  const index = rows.findIndex((row) => row === active);
  const next = nextIndex(event.key, index, rows.length);
  if (next === null || next === index) {
    if (next !== null) event.preventDefault();
    return false;
  }
  event.preventDefault();
  rows[next].focus();
  return true;
}

/** `moveFocus` for a real keydown on a row of the list `container`. */
export function onListKey(event: KeyboardEvent, container: HTMLElement | null, selector: string): void {
  if (container) moveFocus(event, container, selector, document.activeElement);
}
