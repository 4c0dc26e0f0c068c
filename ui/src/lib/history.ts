// The screens of the main window and a small in-memory history, so Back (Alt+Left, "← People") works.
import type { PersonView } from "./backend";

export type Screen =
  | { screen: "people" }
  | { screen: "person"; id: string; person: PersonView }
  | { screen: "hospitals" }
  | { screen: "tickets" }
  | { screen: "signin" };

/** The navigation item a screen belongs to (a person's page belongs to People). */
export type NavItem = "people" | "hospitals" | "tickets" | null;

export function navItemOf(screen: Screen): NavItem {
  switch (screen.screen) {
    case "people":
    case "person":
      return "people";
    case "hospitals":
      return "hospitals";
    case "tickets":
      return "tickets";
    case "signin":
      return null;
  }
}

/** Whether two screens show the same thing. */
export function sameScreen(a: Screen, b: Screen): boolean {
  if (a.screen !== b.screen) return false;
  return a.screen === "person" && b.screen === "person" ? a.id === b.id : true;
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
