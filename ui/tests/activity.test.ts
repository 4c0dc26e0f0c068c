import { describe, expect, it } from "vitest";
import {
  ACTIVITY_KINDS,
  NO_ACTIVITY_CONTROLS,
  dayStart,
  dayWords,
  exactTime,
  exportWords,
  isNarrowed,
  isoTime,
  kindWords,
  outcomeWords,
  toFilter,
} from "../src/lib/activity";
import { unixDateWords } from "../src/lib/dates";

const local = (y: number, m: number, d: number, h = 0, min = 0, s = 0) => new Date(y, m - 1, d, h, min, s).getTime() / 1000;

describe("activity filters", () => {
  it("asks for everything with no filters", () => {
    expect(toFilter(NO_ACTIVITY_CONTROLS)).toEqual({
      person: null,
      hospital: null,
      grant: null,
      kind: null,
      since: null,
      until: null,
    });
    expect(isNarrowed(NO_ACTIVITY_CONTROLS)).toBe(false);
  });

  it("turns the controls into the core's filter, the day into the start of that day here", () => {
    const filter = toFilter({ person: "harold", hospital: "https://mercy.example/fhir", kind: "records_read", since: "2026-11-02" });
    expect(filter).toEqual({
      person: "harold",
      hospital: "https://mercy.example/fhir",
      grant: null,
      kind: "records_read",
      since: local(2026, 11, 2),
      until: null,
    });
    expect(isNarrowed({ ...NO_ACTIVITY_CONTROLS, since: "2026-11-02" })).toBe(true);
  });

  it("ignores a day that is not a day", () => {
    expect(dayStart("2026-02-30")).toBeNull();
    expect(dayStart("soon")).toBeNull();
    expect(toFilter({ ...NO_ACTIVITY_CONTROLS, since: "2026-13-01" }).since).toBeNull();
  });
});

describe("activity in words", () => {
  it("names every kind", () => {
    expect(ACTIVITY_KINDS).toHaveLength(12);
    for (const kind of ACTIVITY_KINDS) expect(kindWords(kind)).not.toMatch(/_/);
    expect(kindWords("records_read")).toBe("Read records");
    expect(kindWords("revoke")).toBe("Ended a permission");
    expect(kindWords("sign_out")).toBe("Signed out");
  });

  it("says Done, or Failed with the code", () => {
    expect(outcomeWords({ ok: true, outcome: "ok" })).toBe("Done");
    expect(outcomeWords({ ok: false, outcome: "hospital.unreachable" })).toBe("Failed (hospital.unreachable)");
  });

  it("gives the day in words: today, yesterday, else the date", () => {
    const now = local(2026, 11, 23, 15, 0);
    expect(dayWords(local(2026, 11, 23, 0, 5), now)).toBe("Today");
    expect(dayWords(local(2026, 11, 22, 23, 59), now)).toBe("Yesterday");
    expect(dayWords(local(2026, 11, 21, 12), now)).toBe(unixDateWords(local(2026, 11, 21, 12)));
    expect(dayWords(local(2026, 1, 1, 9), local(2026, 1, 2, 9))).toBe("Yesterday");
    expect(dayWords(local(2025, 12, 31, 9), local(2026, 1, 1, 9))).toBe("Yesterday");
  });

  it("gives the exact time for hover and focus, and a machine time", () => {
    const at = local(2026, 11, 23, 14, 5, 9);
    expect(exactTime(at)).toBe("23 Nov 2026 at 14:05:09");
    expect(isoTime(0)).toBe("1970-01-01T00:00:00.000Z");
  });

  it("says what an export saved, and nothing when the dialog was closed", () => {
    expect(exportWords({ saved: true, file_name: "tessera-activity-2026-11-23.csv", resources: 42 })).toBe(
      "Saved 42 entries to tessera-activity-2026-11-23.csv",
    );
    expect(exportWords({ saved: true, file_name: "a.json", resources: 1 })).toBe("Saved 1 entry to a.json");
    expect(exportWords({ saved: false, file_name: null, resources: 0 })).toBe("");
  });
});
