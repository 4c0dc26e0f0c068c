import type { ErrorView } from "../src/lib/backend";
import { describe, expect, it } from "vitest";
import type { RevocationStep } from "../src/lib/backend";
import {
  applyStep,
  completeSteps,
  confirmsStatusList,
  currentStep,
  hasPending,
  isComplete,
  receipt,
  settleSteps,
  startRun,
  stepStateWords,
} from "../src/lib/revocation";
import { unixDateWords } from "../src/lib/dates";

const step = (what: string, state: RevocationStep["state"] = "planned", error: RevocationStep["error"] = null): RevocationStep => ({
  what,
  state,
  error,
});

const MERCY = "End the connection to mercy.example (revoke its tokens there, forget them here)";
const ASK = "Ask broker.example to revoke this permission, so every hospital refuses it";
const CONFIRM = "Confirm that broker.example's status list shows it revoked";
const DELETE = "Delete the ticket for Harold Washington from the keychain";
const down: ErrorView = { code: "hospital.unreachable", message: "The hospital is not answering.", action: "Tessera will retry." };

const preview = [step(MERCY), step(ASK), step(CONFIRM), step(DELETE)];

describe("revocation steps", () => {
  it("moves each planned step as its event arrives", () => {
    let steps = startRun(preview);
    steps = applyStep(steps, step(MERCY, "done"));
    steps = applyStep(steps, step(ASK, "done"));
    expect(steps.map((s) => s.state)).toEqual(["done", "done", "planned", "planned"]);
    expect(hasPending(steps)).toBe(false);
    expect(isComplete(steps)).toBe(false);
  });

  it("adds a step nobody planned at the end", () => {
    const steps = applyStep(preview, step("Sign out of broker.example (revoke its refresh token)", "done"));
    expect(steps).toHaveLength(5);
    expect(steps[4].state).toBe("done");
  });

  it("settles on the core's answer, and keeps a pending step with its error", () => {
    const answer = [step(MERCY, "pending", down), step(ASK, "done"), step(CONFIRM, "done"), step(DELETE, "pending")];
    const steps = settleSteps(startRun(preview), answer);
    expect(steps).toEqual(answer);
    expect(hasPending(steps)).toBe(true);
    expect(isComplete(steps)).toBe(false);
  });

  it("drops planned steps the run did not take", () => {
    const steps = settleSteps(startRun(preview), [step(ASK, "done"), step(CONFIRM, "done"), step(DELETE, "done")]);
    expect(steps.map((s) => s.what)).toEqual([ASK, CONFIRM, DELETE]);
    expect(isComplete(steps)).toBe(true);
  });

  it("retries only what is left: pending steps are planned again, done ones stay done", () => {
    const first = [step(MERCY, "pending", down), step(ASK, "done"), step(CONFIRM, "done"), step(DELETE, "pending")];
    const again = startRun(first);
    expect(again.map((s) => s.state)).toEqual(["planned", "done", "done", "planned"]);
    expect(again[0].error).toBeNull();
    // The retry's answer lists only what it did this time.
    const settled = settleSteps(again, [step(MERCY, "done"), step(DELETE, "done")]);
    expect(settled.map((s) => [s.what, s.state])).toEqual([
      [MERCY, "done"],
      [ASK, "done"],
      [CONFIRM, "done"],
      [DELETE, "done"],
    ]);
    expect(isComplete(settled)).toBe(true);
  });

  it("treats a grant gone on retry as complete", () => {
    const steps = completeSteps([step(MERCY, "planned"), step(ASK, "done"), step(DELETE, "pending", down)]);
    expect(isComplete(steps)).toBe(true);
    expect(steps.every((s) => s.error === null)).toBe(true);
  });

  it("is never complete without steps", () => {
    expect(isComplete([])).toBe(false);
  });

  it("works on the first planned step, in order", () => {
    expect(currentStep(preview)).toBe(0);
    expect(currentStep(applyStep(preview, step(MERCY, "done")))).toBe(1);
    expect(currentStep([step(MERCY, "done")])).toBe(-1);
  });

  it("words every state, and promises to keep trying for a pending one", () => {
    expect(stepStateWords(step(ASK), false)).toBe("To do");
    expect(stepStateWords(step(ASK), true)).toBe("Working on it…");
    expect(stepStateWords(step(ASK, "done"), true)).toBe("Done");
    expect(stepStateWords(step(ASK, "pending"), false)).toContain("We keep trying; nothing else is needed from you");
  });
});

describe("revocation receipt", () => {
  const now = 1_800_000_000;

  it("says when, what was done, and the proof once the status list was confirmed", () => {
    const r = receipt([step(MERCY, "done"), step(ASK, "done"), step(CONFIRM, "done"), step(DELETE, "done")], now);
    expect(r.when).toBe(`Done on ${unixDateWords(now)}.`);
    expect(r.done).toEqual([MERCY, ASK, CONFIRM, DELETE]);
    expect(r.proof).toBe("The trust broker now lists this permission as revoked, so hospitals refuse it.");
  });

  it("recognises the about-me confirmation step too", () => {
    expect(confirmsStatusList(step("Confirm the revocation in the broker's status list", "done"))).toBe(true);
  });

  it("claims no proof when the status list was not confirmed", () => {
    expect(receipt([step(MERCY, "done")], now).proof).toBeNull();
    expect(confirmsStatusList(step(CONFIRM, "pending"))).toBe(false);
    expect(confirmsStatusList(step(ASK, "done"))).toBe(false);
  });

  it("lists only the done steps", () => {
    expect(receipt([step(MERCY, "done"), step(ASK, "pending")], now).done).toEqual([MERCY]);
  });
});
