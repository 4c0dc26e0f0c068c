import { describe, expect, it } from "vitest";
import { countsLine, stateLabel } from "../src/lib/status";

describe("status", () => {
  it("labels every state", () => {
    expect(stateLabel("empty")).toBe("Empty");
    expect(stateLabel("ready")).toBe("Ready");
    expect(stateLabel("locked")).toBe("Locked");
  });

  it("pluralises counts", () => {
    expect(countsLine({ brokers: 1, people: 2, tickets: 0, hospitals: 1 })).toBe(
      "1 broker · 2 people · 0 tickets · 1 hospital",
    );
  });
});
