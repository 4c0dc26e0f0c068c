import { describe, expect, it } from "vitest";
import { hintFor } from "../src/lib/errors";

describe("error hints", () => {
  it("adds a plain hint for the sign-in failures people can act on", () => {
    for (const code of [
      "broker.unreachable",
      "broker.invalid",
      "broker.denied",
      "signin.state_mismatch",
      "signin.issuer_mismatch",
      "signin.timeout",
      "ticket.signature_invalid",
    ]) {
      const hint = hintFor(code);
      expect(hint, code).toBeTypeOf("string");
      expect(hint!.length, code).toBeGreaterThan(10);
    }
  });

  it("has no hint where the backend's words are enough, nor for inherited names", () => {
    expect(hintFor("hospital.unreachable")).toBeNull();
    expect(hintFor("toString")).toBeNull();
    expect(hintFor("")).toBeNull();
  });
});
