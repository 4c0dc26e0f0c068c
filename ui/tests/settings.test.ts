import { describe, expect, it } from "vitest";
import { LOCK_CHOICES, lockOptions, lockWords, withChange } from "../src/lib/settings";

describe("settings", () => {
  it("offers 1, 5, 15, 30 and 60 minutes, and never", () => {
    expect([...LOCK_CHOICES]).toEqual([1, 5, 15, 30, 60, 0]);
    expect(lockOptions(15).map((o) => o.label)).toEqual([
      "1 minute",
      "5 minutes",
      "15 minutes",
      "30 minutes",
      "60 minutes",
      "Never",
    ]);
    expect(lockWords(0)).toBe("Never");
  });

  it("lists a timeout kept from elsewhere in its place, Never still last", () => {
    expect(lockOptions(10).map((o) => o.value)).toEqual([1, 5, 10, 15, 30, 60, 0]);
    expect(lockOptions(120).map((o) => o.value)).toEqual([1, 5, 15, 30, 60, 120, 0]);
  });

  it("changes one field and leaves the rest", () => {
    const before = { lock_after_minutes: 15, lock_on_sleep: true, notifications: true };
    const after = withChange(before, "notifications", false);
    expect(after).toEqual({ lock_after_minutes: 15, lock_on_sleep: true, notifications: false });
    expect(before.notifications).toBe(true);
  });
});
