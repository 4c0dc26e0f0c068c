import { describe, expect, it } from "vitest";
import { newPassphraseProblem } from "../src/lib/passphrase";
import { strings } from "../src/lib/strings";

describe("a new passphrase", () => {
  it("needs eight characters, counted as characters, not bytes", () => {
    expect(newPassphraseProblem("seven77", "seven77")).toBe(strings.protect.tooShort);
    expect(newPassphraseProblem("", "")).toBe(strings.protect.tooShort);
    expect(newPassphraseProblem("ééééééé", "ééééééé")).toBe(strings.protect.tooShort);
    expect(newPassphraseProblem("éééééééé", "éééééééé")).toBeNull();
  });

  it("must be typed the same twice", () => {
    expect(newPassphraseProblem("margaret's garden", "margaret's gardne")).toBe(strings.protect.different);
    expect(newPassphraseProblem("margaret's garden", "margaret's garden")).toBeNull();
  });
});
