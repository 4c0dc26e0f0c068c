import { describe, expect, it } from "vitest";
import type { HospitalView } from "../src/lib/backend";
import { hospitalStatusWords, lastContactWords, sortHospitals } from "../src/lib/hospitals";
import { strings } from "../src/lib/strings";

const hospital = (name: string, more: Partial<HospitalView> = {}): HospitalView => ({
  fhir_base_url: `https://${name}.example/fhir`,
  name,
  source: "hint",
  tickets: 1,
  status: null,
  last_contact: null,
  people: [],
  portal: [],
  ...more,
});

describe("hospital directory wording", () => {
  it("words every connection status, and none yet", () => {
    expect(hospitalStatusWords(null)).toBe("Not contacted yet");
    expect(hospitalStatusWords("connected")).toBe("Connected");
    expect(hospitalStatusWords("unsupported")).toBe("Does not accept permission tickets yet");
    for (const status of ["failed", "no_records", "needs_confirmation"] as const) {
      expect(hospitalStatusWords(status)).not.toMatch(/_/);
    }
  });

  it("says when it was last reached", () => {
    expect(lastContactWords(hospital("a", { last_contact: "12 Nov 2026" }))).toBe("Last reached 12 Nov 2026");
    expect(lastContactWords(hospital("a"))).toBe("Not reached yet");
  });

  it("lists hospitals by name", () => {
    const sorted = sortHospitals([hospital("Piedmont"), hospital("Emory"), hospital("Grady")]);
    expect(sorted.map((h) => h.name)).toEqual(["Emory", "Grady", "Piedmont"]);
  });

  it("names the people a hospital is for", () => {
    expect(strings.hospitals.people(["Harold Washington", "Priya Patel"])).toBe("For Harold Washington, Priya Patel");
    expect(strings.hospitals.imported(["A", "B"])).toBe("Added A, B.");
    expect(strings.hospitals.imported(["A", "B", "C", "D"])).toBe("Added 4 hospitals.");
    expect(strings.hospitals.imported([])).toBe("The list had no new hospitals.");
  });
});
