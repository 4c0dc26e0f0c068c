// The steps the person takes at a hospital on someone's page — Retry (or "Show here"), confirming who the patient is
// in the browser, signing in at the hospital's own patient portal — as one state per hospital, and the question a
// portal sign-in can bring back ("add this new person?"). How each line ended comes from the core (progress.ts);
// this is what the person set going there, and so what the line says and offers meanwhile.
import type { ErrorView, PortalSignIn } from "./backend";
import { lineText, type HospitalLine } from "./progress";
import { strings } from "./strings";

/** The steps that keep a hospital busy until they end. */
export type UnderWay = "retrying" | "confirming" | "portal";

/** Where one hospital stands with the person's steps there. */
export type HospitalStep =
  /** Nothing under way. */
  | { step: "idle" }
  /** Nothing under way; the last step there went wrong, for this reason (said on its lines). */
  | { step: "failed"; error: ErrorView }
  /** Read again: Retry, or "Show here". */
  | { step: "retrying" }
  /** Waiting while the person confirms who the patient is, in the browser. */
  | { step: "confirming" }
  /** Waiting for the sign-in at the hospital's patient portal, in the browser. */
  | { step: "portal" };

/** Every hospital's step, by FHIR base URL; a hospital not listed is idle. */
export type HospitalSteps = Readonly<Record<string, HospitalStep>>;

const IDLE: HospitalStep = { step: "idle" };

/** The step at one hospital. */
export function stepAt(steps: HospitalSteps, hospital: string): HospitalStep {
  return steps[hospital] ?? IDLE;
}

function underWay(step: HospitalStep): boolean {
  return step.step === "retrying" || step.step === "confirming" || step.step === "portal";
}

/** The steps with `step` begun at a hospital; what went wrong there last time is forgotten. */
export function begin(steps: HospitalSteps, hospital: string, step: UnderWay): HospitalSteps {
  return { ...steps, [hospital]: { step } };
}

/**
 * The steps once `step` at a hospital ended, with the reason when it failed. A hospital that another step took
 * over meanwhile is left to that step.
 */
export function end(steps: HospitalSteps, hospital: string, step: UnderWay, error: ErrorView | null = null): HospitalSteps {
  if (stepAt(steps, hospital).step !== step) return steps;
  return { ...steps, [hospital]: error ? { step: "failed", error } : IDLE };
}

/** The steps with something that went wrong about a hospital said there (unless a step is under way there). */
export function failAt(steps: HospitalSteps, hospital: string, error: ErrorView): HospitalSteps {
  return underWay(stepAt(steps, hospital)) ? steps : { ...steps, [hospital]: { step: "failed", error } };
}

/** Whether a step of this kind (of any kind when not given) is under way at some hospital. */
export function anyUnderWay(steps: HospitalSteps, step?: UnderWay): boolean {
  return Object.values(steps).some((s) => (step ? s.step === step : underWay(s)));
}

/** The hospitals with a step under way, but `except`: their live lines are kept when another call settles. */
export function busyHospitals(steps: HospitalSteps, except: string | null = null): string[] {
  return Object.entries(steps)
    .filter(([hospital, step]) => hospital !== except && underWay(step))
    .map(([hospital]) => hospital);
}

/** The words of a line: the step under way at its hospital while it is about the line, else the line's own. */
export function stepLineText(line: HospitalLine, step: HospitalStep, first: string): string {
  if (step.step === "confirming" && line.status === null) return strings.lines.confirming;
  if (step.step === "portal" && line.portalSignIn) return strings.lines.portalWaiting;
  return lineText(line, first);
}

/** The one button a line offers, if any. */
export type LineAction = "cancel-portal" | "portal" | "retry" | "show-here" | "confirm";

export function lineAction(line: HospitalLine, step: HospitalStep): LineAction | null {
  if (line.portalSignIn) return step.step === "portal" ? "cancel-portal" : "portal";
  switch (line.status) {
    case "failed":
      return "retry";
    case "not_shown":
      return "show-here";
    case "needs_confirmation":
      return "confirm";
    default:
      return null;
  }
}

/**
 * Whether a line's button can be pressed now. Nothing starts while the whole record is read (`reading`); a
 * hospital being read again is not retried twice; the browser takes one step at a time (confirming, or a portal
 * sign-in, and no portal sign-in while a patient is confirmed). Cancelling a portal sign-in always can.
 */
export function canTake(action: LineAction, step: HospitalStep, steps: HospitalSteps, reading: boolean): boolean {
  switch (action) {
    case "cancel-portal":
      return true;
    case "retry":
    case "show-here":
      return !reading && step.step !== "retrying";
    case "confirm":
      return !reading && !anyUnderWay(steps, "confirming");
    case "portal":
      return !reading && !anyUnderWay(steps, "portal") && !anyUnderWay(steps, "confirming");
  }
}

/** The question a portal sign-in can bring back: someone Tessera does not know, to add as a new person or not. */
export type NewPersonQuestion =
  /** Nothing to ask, nothing to say. */
  | { question: "none" }
  /** Waiting for the person's answer; `answering` while it is being carried out. */
  | { question: "asking"; signIn: PortalSignIn; answering: boolean }
  /** What became of the last one asked about, in words. */
  | { question: "answered"; note: string };

export const NO_QUESTION: NewPersonQuestion = { question: "none" };

/** The question once a portal sign-in brought back `signIn`, someone new. */
export function asking(signIn: PortalSignIn): NewPersonQuestion {
  return { question: "asking", signIn, answering: false };
}

/** The question as another portal sign-in begins: the note about the last one goes; a question still open stays. */
export function portalBegun(question: NewPersonQuestion): NewPersonQuestion {
  return question.question === "answered" ? NO_QUESTION : question;
}

/** The question once the person answered (add them, or keep nothing) and the answer was carried out. */
export function answered(signIn: PortalSignIn, add: boolean): NewPersonQuestion {
  return { question: "answered", note: add ? strings.lines.added(signIn.patient) : strings.lines.dontAddNote };
}
