import { describe, expect, it } from "vitest";
import type { PersonView } from "../src/lib/backend";
import { HISTORY_LIMIT, back, canGoBack, current, keptWhileLocked, navItemOf, push, sameScreen, screenOf, type Screen } from "../src/lib/history";

const person = (id: string): PersonView => ({
  id,
  name: id,
  birth_date: null,
  relationship: "self",
  born: null,
  authority: null,
  hospitals: 0,
  connected: 0,
  access_ends: null,
});

describe("navigation history", () => {
  it("pushes screens and goes back", () => {
    let stack: Screen[] = [{ screen: "people" }];
    stack = push(stack, { screen: "person", id: "h", person: person("h") });
    stack = push(stack, { screen: "hospitals" });
    expect(current(stack)).toEqual({ screen: "hospitals" });
    stack = back(stack);
    expect(current(stack)).toMatchObject({ screen: "person", id: "h" });
    stack = back(stack);
    expect(current(stack)).toEqual({ screen: "people" });
    expect(canGoBack(stack)).toBe(false);
    expect(back(stack)).toBe(stack);
  });

  it("does not stack the same screen twice, but two people are two screens", () => {
    let stack: Screen[] = [{ screen: "people" }];
    expect(push(stack, { screen: "people" })).toBe(stack);
    stack = push(stack, { screen: "person", id: "a", person: person("a") });
    stack = push(stack, { screen: "person", id: "a", person: person("a") });
    stack = push(stack, { screen: "person", id: "b", person: person("b") });
    expect(stack).toHaveLength(3);
    expect(sameScreen({ screen: "tickets" }, { screen: "hospitals" })).toBe(false);
  });

  it("forgets the oldest screens past its limit", () => {
    let stack: Screen[] = [];
    for (let i = 0; i < HISTORY_LIMIT + 10; i += 1) {
      stack = push(stack, i % 2 ? { screen: "tickets" } : { screen: "hospitals" });
    }
    expect(stack).toHaveLength(HISTORY_LIMIT);
    expect(current(stack)).toEqual({ screen: "tickets" });
  });

  it("has People as the screen of an empty history", () => {
    expect(current([])).toEqual({ screen: "people" });
  });

  it("marks a person's page as part of People in the navigation", () => {
    expect(navItemOf({ screen: "person", id: "a", person: person("a") })).toBe("people");
    expect(navItemOf({ screen: "hospitals" })).toBe("hospitals");
    expect(navItemOf({ screen: "tickets" })).toBe("tickets");
    expect(navItemOf({ screen: "signin" })).toBeNull();
  });

  it("makes choosing a grant a step in the history, so Back closes its detail", () => {
    let stack: Screen[] = [{ screen: "people" }];
    stack = push(stack, screenOf("grants"));
    stack = push(stack, { screen: "grants", selected: "g1" });
    stack = push(stack, { screen: "grants", selected: "g1" });
    stack = push(stack, { screen: "grants", selected: "g2" });
    expect(stack).toHaveLength(4);
    stack = back(stack);
    expect(current(stack)).toEqual({ screen: "grants", selected: "g1" });
    stack = back(stack);
    expect(current(stack)).toEqual({ screen: "grants", selected: null });
    expect(navItemOf({ screen: "grants", selected: "g1" })).toBe("grants");
  });

  it("opens each new screen from the rail", () => {
    expect(screenOf("grants")).toEqual({ screen: "grants", selected: null });
    for (const item of ["about-me", "activity", "settings", "people", "hospitals", "tickets"] as const) {
      expect(screenOf(item)).toEqual({ screen: item });
      expect(navItemOf(screenOf(item))).toBe(item);
    }
    expect(sameScreen({ screen: "activity" }, { screen: "activity" })).toBe(true);
  });
});

describe("the history kept while locked", () => {
  it("returns to the screen the person was on, with People behind it", () => {
    const grants: Screen = { screen: "grants", selected: "g1" };
    expect(keptWhileLocked([{ screen: "people" }, { screen: "settings" }, grants])).toEqual([{ screen: "people" }, grants]);
    expect(keptWhileLocked([{ screen: "activity" }])).toEqual([{ screen: "people" }, { screen: "activity" }]);
  });

  it("keeps nothing about anyone: a person's page returns to People", () => {
    const kept = keptWhileLocked([{ screen: "people" }, { screen: "person", id: "p1", person: person("p1") }]);
    expect(kept).toEqual([{ screen: "people" }]);
    expect(JSON.stringify(keptWhileLocked([{ screen: "grants", selected: null }, { screen: "person", id: "p1", person: person("p1") }]))).not.toContain("p1");
  });
});
