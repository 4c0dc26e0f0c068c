// The screens of the main window and a small in-memory history, so Back (Alt+Left, "← People") works. Selecting a
// grant is a step in the history too, so Back closes its detail.
import type { PersonView } from "./backend";

export type Screen =
  | { screen: "people" }
  | { screen: "person"; id: string; person: PersonView }
  | { screen: "hospitals" }
  | { screen: "tickets" }
  | { screen: "grants"; selected: string | null }
  | { screen: "about-me" }
  | { screen: "activity" }
  | { screen: "settings" }
  | { screen: "signin" };

/** The screens the navigation rail opens. */
export type NavTarget = "people" | "hospitals" | "tickets" | "grants" | "about-me" | "activity" | "settings";

/** The navigation item a screen belongs to (a person's page belongs to People). */
export type NavItem = NavTarget | null;

/** The screen a navigation item opens (Grants with nothing selected). */
export function screenOf(item: NavTarget): Screen {
  return item === "grants" ? { screen: "grants", selected: null } : { screen: item };
}

export function navItemOf(screen: Screen): NavItem {
  switch (screen.screen) {
    case "people":
    case "person":
      return "people";
    case "hospitals":
      return "hospitals";
    case "tickets":
    case "grants":
    case "about-me":
    case "activity":
    case "settings":
      return screen.screen;
    case "signin":
      return null;
  }
}

/** Whether two screens show the same thing. */
export function sameScreen(a: Screen, b: Screen): boolean {
  if (a.screen !== b.screen) return false;
  if (a.screen === "person" && b.screen === "person") return a.id === b.id;
  if (a.screen === "grants" && b.screen === "grants") return a.selected === b.selected;
  return true;
}

/** A history never grows past this many screens; the oldest are forgotten. */
export const HISTORY_LIMIT = 50;

/** The history with `screen` on top (unchanged when it is already the current screen). */
export function push(stack: Screen[], screen: Screen): Screen[] {
  const top = stack[stack.length - 1];
  if (top && sameScreen(top, screen)) return stack;
  const next = [...stack, screen];
  return next.length > HISTORY_LIMIT ? next.slice(next.length - HISTORY_LIMIT) : next;
}

/** The history after going back one screen; the first screen stays (there is nowhere further back). */
export function back(stack: Screen[]): Screen[] {
  return stack.length > 1 ? stack.slice(0, -1) : stack;
}

/** Whether going back would change anything. */
export function canGoBack(stack: Screen[]): boolean {
  return stack.length > 1;
}

/** The screen on top of the history (People when it is empty). */
export function current(stack: Screen[]): Screen {
  return stack[stack.length - 1] ?? { screen: "people" };
}

/**
 * The history kept while the window is locked, to return to after unlocking: the screen the person was on, with
 * People behind it. Nothing about anyone stays: a person's page (which holds their name) returns to People.
 */
export function keptWhileLocked(stack: Screen[]): Screen[] {
  const top = current(stack);
  if (top.screen === "person" || top.screen === "signin" || top.screen === "people") return [{ screen: "people" }];
  return [{ screen: "people" }, top];
}
