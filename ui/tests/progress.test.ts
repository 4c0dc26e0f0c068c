import { describe, expect, it } from "vitest";
import type { ProgressEvent } from "../src/lib/backend";
import { applyProgress, fromOutcomes, phaseText } from "../src/lib/progress";

const event = (url: string, phase: ProgressEvent["phase"], resources = 0): ProgressEvent => ({
  fhir_base_url: url,
  name: `Hospital ${url}`,
  phase,
  error: null,
  resources,
});

describe("connect progress", () => {
  it("keeps one line per hospital in arrival order and updates it live", () => {
    let lines = applyProgress([], event("a", "discovering"));
    lines = applyProgress(lines, event("b", "discovering"));
    lines = applyProgress(lines, event("a", "reading", 12));
    expect(lines.map((l) => l.fhirBaseUrl)).toEqual(["a", "b"]);
    expect(lines[0].text).toBe("Reading records (12)…");
  });

  it("never reopens a finished hospital", () => {
    let lines = applyProgress([], event("a", "done", 3));
    lines = applyProgress(lines, event("a", "reading", 1));
    expect(lines[0].text).toBe("Done — 3 records");
  });

  it("turns outcomes into final lines with plain words", () => {
    const lines = fromOutcomes([
      { fhir_base_url: "a", name: "A", status: "connected", error: null, resources: 1 },
      { fhir_base_url: "b", name: "B", status: "unsupported", error: null, resources: 0 },
    ]);
    expect(lines.map((l) => l.text)).toEqual(["Done — 1 record", "Does not accept permission tickets"]);
    expect(phaseText("failed", 0)).toBe("Could not connect");
  });
});
