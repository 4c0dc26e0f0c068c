// Ending a grant, step by step: the preview's planned steps become done or pending as `revocation-progress` events
// arrive, the final answer settles them, Retry redoes what is left, and the receipt says what was done.
import type { RevocationStep } from "./backend";
import { unixDateWords } from "./dates";
import { strings } from "./strings";

/** The steps as a run begins: pending ones are tried again, so they are planned once more (errors forgotten). */
export function startRun(steps: RevocationStep[]): RevocationStep[] {
  return steps.map((s) => (s.state === "pending" ? { ...s, state: "planned", error: null } : s));
}

/**
 * The steps with one reported step in place: the first step with the same words that is not done yet (else any
 * step with the same words) is replaced; a step nobody planned is added at the end.
 */
export function applyStep(steps: RevocationStep[], step: RevocationStep): RevocationStep[] {
  let index = steps.findIndex((s) => s.what === step.what && s.state !== "done");
  if (index < 0) index = steps.findIndex((s) => s.what === step.what);
  if (index < 0) return [...steps, step];
  const next = [...steps];
  next[index] = step;
  return next;
}

/**
 * The steps once the revocation answered with every step it took: each answered step is put in place, steps done
 * in an earlier run stay done, and planned steps the run did not take are dropped.
 */
export function settleSteps(steps: RevocationStep[], answer: RevocationStep[]): RevocationStep[] {
  let next = steps;
  for (const step of answer) next = applyStep(next, step);
  const answered = new Set(answer.map((s) => s.what));
  return next.filter((s) => s.state !== "planned" || answered.has(s.what));
}

/** The steps when the grant turned out to be gone already (`grant.not_found` on a retry): everything is done. */
export function completeSteps(steps: RevocationStep[]): RevocationStep[] {
  return steps.map((s) => (s.state === "done" ? s : { ...s, state: "done", error: null }));
}

/** Whether any step is still waiting (Retry is offered). */
export function hasPending(steps: RevocationStep[]): boolean {
  return steps.some((s) => s.state === "pending");
}

/** Whether every step is done (the receipt is shown). */
export function isComplete(steps: RevocationStep[]): boolean {
  return steps.length > 0 && steps.every((s) => s.state === "done");
}

/** The step being worked on while a revocation runs: the first one still planned (steps run in order); -1 if none. */
export function currentStep(steps: RevocationStep[]): number {
  return steps.findIndex((s) => s.state === "planned");
}

/** A step's state in words, for the line under what it does. `working`: this is the step under way now. */
export function stepStateWords(step: RevocationStep, working: boolean): string {
  switch (step.state) {
    case "planned":
      return working ? strings.revoke.working : strings.revoke.planned;
    case "done":
      return strings.revoke.done;
    case "pending":
      return strings.revoke.pending;
  }
}

/** Whether a step confirmed the revocation in the trust broker's status list (the proof hospitals check). */
export function confirmsStatusList(step: RevocationStep): boolean {
  return step.state === "done" && /status list/i.test(step.what) && /confirm/i.test(step.what);
}

export type Receipt = {
  /** "Done on 23 Nov 2026." */
  when: string;
  /** What was done, one line per step. */
  done: string[];
  /** The proof sentence, when the broker's status list was seen to list the grant as revoked. */
  proof: string | null;
};

/** The receipt of a finished revocation, at `now` (unix seconds). */
export function receipt(steps: RevocationStep[], now: number): Receipt {
  const done = steps.filter((s) => s.state === "done");
  return {
    when: strings.revoke.doneOn(unixDateWords(now)),
    done: done.map((s) => s.what),
    proof: done.some(confirmsStatusList) ? strings.revoke.proof : null,
  };
}
