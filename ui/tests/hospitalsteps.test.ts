import type { ErrorView } from "../src/lib/backend";
import { describe, expect, it } from "vitest";
import type { PortalSignIn } from "../src/lib/backend";
import {
  NO_QUESTION,
  answered,
  anyUnderWay,
  asking,
  begin,
  busyHospitals,
  canTake,
  end,
  failAt,
  lineAction,
  portalBegun,
  stepAt,
  stepLineText,
  type HospitalSteps,
} from "../src/lib/hospitalsteps";
import type { HospitalLine } from "../src/lib/progress";
import { strings } from "../src/lib/strings";
import { GRADY, MERCY } from "./fixtures";

const down: ErrorView = { code: "hospital.unreachable", message: "The hospital is not answering.", action: "Try again later." };

const line = (more: Partial<HospitalLine> = {}): HospitalLine => ({
  key: `t1\n${MERCY}`,
  ticketId: "t1",
  fhirBaseUrl: MERCY,
  name: "Mercy Hospital",
  phase: "failed",
  status: "failed",
  resources: 0,
  error: down,
  notAvailable: [],
  viaPortal: false,
  portalSignIn: false,
  ...more,
});

const signIn: PortalSignIn = {
  status: "needs_confirmation",
  id: "pending-1",
  hospital: "Mercy Hospital",
  fhir_base_url: MERCY,
  person: null,
  patient: "Harold Washington",
  born: "14 Sep 1946",
  new_person: true,
};

describe("a hospital's steps", () => {
  it("is idle until a step begins there", () => {
    expect(stepAt({}, MERCY)).toEqual({ step: "idle" });
    expect(anyUnderWay({})).toBe(false);
  });

  it("retries, then ends idle, or failed with the reason", () => {
    let steps = begin({}, MERCY, "retrying");
    expect(stepAt(steps, MERCY)).toEqual({ step: "retrying" });
    expect(stepAt(steps, GRADY)).toEqual({ step: "idle" });
    expect(anyUnderWay(steps)).toBe(true);
    expect(anyUnderWay(steps, "retrying")).toBe(true);
    expect(anyUnderWay(steps, "confirming")).toBe(false);

    expect(stepAt(end(steps, MERCY, "retrying"), MERCY)).toEqual({ step: "idle" });
    steps = end(steps, MERCY, "retrying", down);
    expect(stepAt(steps, MERCY)).toEqual({ step: "failed", error: down });
    expect(anyUnderWay(steps)).toBe(false);
  });

  it("forgets what went wrong when the next step begins there", () => {
    const steps = begin(end(begin({}, MERCY, "portal"), MERCY, "portal", down), MERCY, "confirming");
    expect(stepAt(steps, MERCY)).toEqual({ step: "confirming" });
  });

  it("leaves a hospital that another step took over to that step", () => {
    const taken = begin(begin({}, MERCY, "retrying"), MERCY, "confirming");
    expect(end(taken, MERCY, "retrying", down)).toBe(taken);
    expect(stepAt(end(taken, MERCY, "confirming"), MERCY)).toEqual({ step: "idle" });
  });

  it("says a failure about a hospital there, unless a step is under way there", () => {
    expect(stepAt(failAt({}, MERCY, down), MERCY)).toEqual({ step: "failed", error: down });
    const portal = begin({}, MERCY, "portal");
    expect(failAt(portal, MERCY, down)).toBe(portal);
  });

  it("lists the busy hospitals, but the one asked about", () => {
    let steps: HospitalSteps = begin(begin({}, MERCY, "retrying"), GRADY, "portal");
    steps = begin(steps, "https://idle.example/fhir", "confirming");
    steps = end(steps, "https://idle.example/fhir", "confirming", down);
    expect(busyHospitals(steps).sort()).toEqual([GRADY, MERCY].sort());
    expect(busyHospitals(steps, MERCY)).toEqual([GRADY]);
  });
});

describe("a hospital line with its step", () => {
  it("says the step under way while it is about the line, else the line's own words", () => {
    const running = line({ status: null, phase: "discovering", error: null });
    expect(stepLineText(running, { step: "confirming" }, "Harold")).toBe(strings.lines.confirming);
    expect(stepLineText(running, { step: "idle" }, "Harold")).toBe(strings.lines.discovering);
    // A line with its outcome already says the outcome, confirming or not.
    expect(stepLineText(line(), { step: "confirming" }, "Harold")).toBe(down.message);

    const offered = line({ status: "unsupported", error: null, portalSignIn: true });
    expect(stepLineText(offered, { step: "portal" }, "Harold")).toBe(strings.lines.portalWaiting);
    expect(stepLineText(offered, { step: "idle" }, "Harold")).toBe(strings.lines.portalOffered);
  });

  it("offers the one button its state calls for", () => {
    const idle = { step: "idle" } as const;
    expect(lineAction(line(), idle)).toBe("retry");
    expect(lineAction(line({ status: "not_shown" }), idle)).toBe("show-here");
    expect(lineAction(line({ status: "needs_confirmation" }), idle)).toBe("confirm");
    expect(lineAction(line({ status: "connected", error: null }), idle)).toBeNull();
    expect(lineAction(line({ status: null }), idle)).toBeNull();
    // The portal takes precedence over the line's own failure.
    expect(lineAction(line({ portalSignIn: true }), idle)).toBe("portal");
    expect(lineAction(line({ portalSignIn: true }), { step: "portal" })).toBe("cancel-portal");
  });

  it("lets nothing start while the whole record is read, but a portal sign-in can always be cancelled", () => {
    for (const action of ["retry", "show-here", "confirm", "portal"] as const) {
      expect(canTake(action, { step: "idle" }, {}, true)).toBe(false);
      expect(canTake(action, { step: "idle" }, {}, false)).toBe(true);
    }
    expect(canTake("cancel-portal", { step: "portal" }, begin({}, MERCY, "portal"), true)).toBe(true);
  });

  it("does not retry a hospital twice, and takes one browser step at a time", () => {
    const retrying = begin({}, MERCY, "retrying");
    expect(canTake("retry", stepAt(retrying, MERCY), retrying, false)).toBe(false);
    expect(canTake("show-here", stepAt(retrying, MERCY), retrying, false)).toBe(false);
    // Another hospital may be retried meanwhile.
    expect(canTake("retry", stepAt(retrying, GRADY), retrying, false)).toBe(true);

    const confirming = begin({}, GRADY, "confirming");
    expect(canTake("confirm", stepAt(confirming, MERCY), confirming, false)).toBe(false);
    expect(canTake("portal", stepAt(confirming, MERCY), confirming, false)).toBe(false);
    expect(canTake("retry", stepAt(confirming, MERCY), confirming, false)).toBe(true);

    const portal = begin({}, GRADY, "portal");
    expect(canTake("portal", stepAt(portal, MERCY), portal, false)).toBe(false);
    expect(canTake("confirm", stepAt(portal, MERCY), portal, false)).toBe(true);
  });
});

describe("the question about a new person", () => {
  it("asks, then says what became of the answer", () => {
    const asked = asking(signIn);
    expect(asked).toEqual({ question: "asking", signIn, answering: false });
    expect(answered(signIn, true)).toEqual({ question: "answered", note: strings.lines.added("Harold Washington") });
    expect(answered(signIn, false)).toEqual({ question: "answered", note: strings.lines.dontAddNote });
  });

  it("forgets the note when another portal sign-in begins, but keeps a question still open", () => {
    expect(portalBegun(answered(signIn, true))).toEqual(NO_QUESTION);
    const asked = asking(signIn);
    expect(portalBegun(asked)).toBe(asked);
    expect(portalBegun(NO_QUESTION)).toBe(NO_QUESTION);
  });
});
