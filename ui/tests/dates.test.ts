import { describe, expect, it } from "vitest";
import { dateWords, dayNumber, onOrAfter, sinceChoices, unixDateWords, updatedAgo, yearOf } from "../src/lib/dates";

describe("dates in words", () => {
  it("formats full, partial and unknown dates", () => {
    expect(dateWords("2025-11-12")).toBe("12 Nov 2025");
    expect(dateWords("2026-03-03T10:00:00Z")).toBe("3 Mar 2026");
    expect(dateWords("2025-02")).toBe("Feb 2025");
    expect(dateWords("2025")).toBe("2025");
    expect(dateWords("12 Nov 2025")).toBe("12 Nov 2025");
    expect(dateWords("2025-13-01")).toBe("2025-13-01");
    expect(dateWords(null)).toBeNull();
    expect(dateWords("")).toBeNull();
  });

  it("formats a unix time as a local date", () => {
    const noon = new Date(2026, 10, 23, 12, 0, 0).getTime() / 1000;
    expect(unixDateWords(noon)).toBe("23 Nov 2026");
  });

  it("says how long ago a record was read", () => {
    const now = 1_800_000_000;
    expect(updatedAgo(now - 5, now)).toBe("updated just now");
    expect(updatedAgo(now + 30, now)).toBe("updated just now");
    expect(updatedAgo(now - 60, now)).toBe("updated 1 minute ago");
    expect(updatedAgo(now - 60 * 17 - 59, now)).toBe("updated 17 minutes ago");
    expect(updatedAgo(now - 3600, now)).toBe("updated 1 hour ago");
    expect(updatedAgo(now - 3600 * 5, now)).toBe("updated 5 hours ago");
    expect(updatedAgo(now - 86400 * 3, now)).toBe(`updated on ${unixDateWords(now - 86400 * 3)}`);
  });

  it("finds years and day numbers", () => {
    expect(yearOf("2025-02-01")).toBe("2025");
    expect(yearOf(null)).toBeNull();
    expect(yearOf("Feb")).toBeNull();
    expect(dayNumber("1970-01-02")).toBe(1);
    expect(dayNumber("1970-02")).toBe(31);
    expect(dayNumber("1971")).toBe(365);
    expect(dayNumber("soon")).toBeNull();
  });

  it("decides whether a possibly partial date is on or after a day", () => {
    expect(onOrAfter("2025-02-10", "2025-02-10")).toBe(true);
    expect(onOrAfter("2025-02-09", "2025-02-10")).toBe(false);
    expect(onOrAfter("2025-02", "2025-02-10")).toBe(true);
    expect(onOrAfter("2025-01", "2025-02-10")).toBe(false);
    expect(onOrAfter("2025", "2025-12-31")).toBe(true);
    expect(onOrAfter("2024", "2025-01-01")).toBe(false);
    expect(onOrAfter(null, "2000-01-01")).toBe(false);
  });
});

describe("sinceChoices", () => {
  it("offers any time and three look-backs, as the local days they start on", () => {
    const choices = sinceChoices(new Date(2026, 10, 23, 22, 15));
    expect(choices.map((c) => c.value)).toEqual(["", "2026-10-24", "2025-11-23", "2021-11-23"]);
    expect(choices.map((c) => c.label)).toEqual([
      "Any time",
      "The last 30 days",
      "The last 12 months",
      "The last 5 years",
    ]);
  });

  it("crosses month and year boundaries", () => {
    expect(sinceChoices(new Date(2026, 0, 10))[1].value).toBe("2025-12-11");
    expect(sinceChoices(new Date(2024, 1, 29))[2].value).toBe("2023-03-01");
  });
});
