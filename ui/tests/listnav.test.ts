import { describe, expect, it } from "vitest";
import { moveFocus, nextIndex, type FocusableRow } from "../src/lib/listnav";

describe("arrow keys in lists", () => {
  it("moves down and up, stopping at the ends", () => {
    expect(nextIndex("ArrowDown", 0, 3)).toBe(1);
    expect(nextIndex("ArrowDown", 2, 3)).toBe(2);
    expect(nextIndex("ArrowUp", 2, 3)).toBe(1);
    expect(nextIndex("ArrowUp", 0, 3)).toBe(0);
    expect(nextIndex("Home", 2, 3)).toBe(0);
    expect(nextIndex("End", 0, 3)).toBe(2);
  });

  it("enters the list from outside at the first or last row", () => {
    expect(nextIndex("ArrowDown", -1, 3)).toBe(0);
    expect(nextIndex("ArrowUp", -1, 3)).toBe(2);
  });

  it("ignores other keys and empty lists", () => {
    expect(nextIndex("Enter", 0, 3)).toBeNull();
    expect(nextIndex("Tab", 0, 3)).toBeNull();
    expect(nextIndex("ArrowDown", 0, 0)).toBeNull();
  });

  class Row implements FocusableRow {
    focused = false;
    focus() {
      this.focused = true;
    }
  }

  const key = (k: string, mods: Partial<{ altKey: boolean; ctrlKey: boolean; metaKey: boolean }> = {}) => {
    const event = { key: k, altKey: false, ctrlKey: false, metaKey: false, ...mods, prevented: false, preventDefault() {
      event.prevented = true;
    } };
    return event;
  };

  it("focuses the next row of the list and prevents scrolling", () => {
    const rows = [new Row(), new Row(), new Row()];
    const list = { querySelectorAll: (selector: string) => (selector === "[data-row]" ? rows : []) };
    const down = key("ArrowDown");
    expect(moveFocus(down, list, "[data-row]", rows[0])).toBe(true);
    expect(rows[1].focused).toBe(true);
    expect(down.prevented).toBe(true);
  });

  it("stays at the end without scrolling the page, and leaves Alt+Left (Back) alone", () => {
    const rows = [new Row(), new Row()];
    const list = { querySelectorAll: () => rows };
    const down = key("ArrowDown");
    expect(moveFocus(down, list, "x", rows[1])).toBe(false);
    expect(down.prevented).toBe(true);
    const back = key("ArrowLeft", { altKey: true });
    expect(moveFocus(back, list, "x", rows[0])).toBe(false);
    expect(back.prevented).toBe(false);
    const typing = key("a");
    expect(moveFocus(typing, list, "x", rows[0])).toBe(false);
    expect(typing.prevented).toBe(false);
  });
});
