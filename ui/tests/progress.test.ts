import type { ErrorView } from "../src/lib/backend";
import { describe, expect, it } from "vitest";
import type { HospitalOutcome, ProgressEvent } from "../src/lib/backend";
import type { HospitalLine } from "../src/lib/progress";
import { strings } from "../src/lib/strings";
import {
  allFinished,
  applyProgress,
  fromOutcomes,
  lineKey,
  lineText,
  phaseText,
  readCount,
  replaceLine,
  restartLines,
  settleLines,
  statusOfFailure,
  isSettled,
} from "../src/lib/progress";

const HAROLD = "harold";

const event = (
  url: string,
  phase: ProgressEvent["phase"],
  resources = 0,
  more: Partial<ProgressEvent> = {},
): ProgressEvent => ({
  person: HAROLD,
  ticket_id: "t1",
  fhir_base_url: url,
  name: `Hospital ${url}`,
  phase,
  error: null,
  resources,
  via: "ticket",
  ...more,
});

const outcome = (url: string, status: HospitalOutcome["status"], more: Partial<HospitalOutcome> = {}): HospitalOutcome => ({
  person: HAROLD,
  ticket_id: "t1",
  fhir_base_url: url,
  name: `Hospital ${url}`,
  status,
  error: null,
  resources: 0,
  granted: [],
  not_available: [],
  via: "ticket",
  portal_sign_in: false,
  ...more,
});

const down: ErrorView = { code: "hospital.unreachable", message: "The hospital is not answering.", action: "Retry now." };

describe("connect progress", () => {
  it("keeps one line per hospital in arrival order and updates it live", () => {
    let lines = applyProgress([], event("a", "discovering"), HAROLD);
    lines = applyProgress(lines, event("b", "discovering"), HAROLD);
    lines = applyProgress(lines, event("a", "reading", 12), HAROLD);
    expect(lines.map((l) => l.fhirBaseUrl)).toEqual(["a", "b"]);
    expect(lineText(lines[0], "Harold")).toBe("Reading records (12)…");
    expect(lines[0].status).toBeNull();
  });

  it("keys lines by ticket and hospital: two tickets at one hospital are two lines", () => {
    let lines = applyProgress([], event("a", "discovering", 0, { ticket_id: "mother" }), HAROLD);
    lines = applyProgress(lines, event("a", "discovering", 0, { ticket_id: "child" }), HAROLD);
    lines = applyProgress(lines, event("a", "done", 4, { ticket_id: "child" }), HAROLD);
    expect(lines).toHaveLength(2);
    expect(new Set(lines.map((l) => l.key)).size).toBe(2);
    expect(lines.map((l) => [l.ticketId, l.phase])).toEqual([
      ["mother", "discovering"],
      ["child", "done"],
    ]);
    expect(lineKey("mother", "a")).not.toBe(lineKey("child", "a"));
  });

  it("ignores events about someone else", () => {
    const lines = applyProgress([], event("a", "discovering"), HAROLD);
    const after = applyProgress(lines, event("b", "reading", 3, { person: "priya" }), HAROLD);
    expect(after).toBe(lines);
    expect(applyProgress([], event("a", "discovering", 0, { person: "priya" }), HAROLD)).toEqual([]);
  });

  it("never reopens a finished hospital", () => {
    let lines = applyProgress([], event("a", "done", 3), HAROLD);
    lines = applyProgress(lines, event("a", "reading", 1), HAROLD);
    expect(lines[0].status).toBe("connected");
    expect(lineText(lines[0], "Harold")).toBe("Done — 3 records");
  });

  it("shows a failure the moment its event arrives, with the outcome its code implies", () => {
    let lines = applyProgress([], event("a", "reading", 2), HAROLD);
    lines = applyProgress(lines, event("a", "failed", 0, { error: down }), HAROLD);
    expect(lines[0].status).toBe("failed");
    expect(lineText(lines[0], "Harold")).toBe("The hospital is not answering.");
    const confirm: ErrorView = { code: "hospital.interaction_required", message: "Confirm", action: "Open it." };
    lines = applyProgress(lines, event("b", "failed", 0, { error: confirm }), HAROLD);
    expect(lines[1].status).toBe("needs_confirmation");
  });

  it("maps failure codes to outcomes like the Rust core", () => {
    expect(statusOfFailure("hospital.unsupported")).toBe("unsupported");
    expect(statusOfFailure("hospital.nothing_shared")).toBe("no_records");
    expect(statusOfFailure("hospital.interaction_required")).toBe("needs_confirmation");
    expect(statusOfFailure("hospital.not_chosen")).toBe("not_shown");
    expect(statusOfFailure("hospital.not_covered")).toBe("not_covered");
    expect(statusOfFailure("hospital.timeout")).toBe("failed");
  });

  it("turns outcomes into final lines with plain words", () => {
    const lines = fromOutcomes([
      outcome("a", "connected", { resources: 1 }),
      outcome("b", "unsupported"),
      outcome("c", "no_records"),
      outcome("d", "needs_confirmation"),
      outcome("e", "failed", { error: down }),
      outcome("f", "not_shown"),
      outcome("g", "connected", { resources: 12, not_available: ["Documents", "Reports"] }),
      outcome("h", "not_covered"),
    ]);
    expect(lines.map((l) => lineText(l, "Harold"))).toEqual([
      "Done — 1 record",
      "Does not accept permission tickets yet",
      "Nothing shared for Harold here under this permission",
      "Needs you to confirm who the patient is, once",
      "The hospital is not answering.",
      "Not shown here: your trust broker did not name this hospital, and it does not say it is in the network",
      "Done — 12 records; not shared here under this permission: Documents, Reports",
      "Not covered by this permission: it names other hospitals or places, so this one was not contacted",
    ]);
    expect(lines.map((l) => l.phase)).toEqual(["done", "failed", "failed", "failed", "failed", "failed", "done", "failed"]);
    expect(lines.map(isSettled)).toEqual([true, true, true, false, false, false, true, true]);
    expect(fromOutcomes([outcome("a", "connected"), outcome("b", "failed", { person: "priya" })], HAROLD)).toHaveLength(1);
  });

  it("words every phase", () => {
    expect(phaseText("discovering", 0)).toBe("Looking it up…");
    expect(phaseText("exchanging", 0)).toBe("Showing the permission…");
    expect(phaseText("reading", 0)).toBe("Reading records…");
    expect(phaseText("done", 48)).toBe("Done — 48 records");
    expect(phaseText("failed", 0)).toBe("Could not connect");
  });

  it("restarts chosen lines so new events move them again", () => {
    const lines = fromOutcomes([outcome("a", "failed", { error: down }), outcome("b", "connected", { resources: 5 })]);
    const restarted = restartLines(lines, (l) => l.fhirBaseUrl === "a");
    expect(restarted[0]).toMatchObject({ status: null, phase: "discovering", error: null });
    expect(restarted[1]).toBe(lines[1]);
    const moved = applyProgress(restarted, event("a", "reading", 7), HAROLD);
    expect(lineText(moved[0], "Harold")).toBe("Reading records (7)…");
    expect(restartLines(lines).every((l) => l.status === null)).toBe(true);
    expect(replaceLine(restarted, lines[0])[0]).toBe(lines[0]);
  });

  it("settles on the outcomes but keeps hospitals another call is still working on", () => {
    const live = restartLines(fromOutcomes([outcome("a", "needs_confirmation"), outcome("b", "failed")]), (l) => l.fhirBaseUrl === "a");
    const settled = settleLines(live, [outcome("a", "needs_confirmation"), outcome("b", "connected")], HAROLD, ["a"]);
    expect(settled.map((l) => l.status)).toEqual([null, "connected"]);
    const all = settleLines(live, [outcome("a", "connected"), outcome("b", "connected")], HAROLD);
    expect(all.map((l) => l.status)).toEqual(["connected", "connected"]);
  });

  it("counts hospitals read, once per hospital", () => {
    const lines = fromOutcomes([
      outcome("a", "connected", { ticket_id: "mother" }),
      outcome("a", "failed", { ticket_id: "child" }),
      outcome("b", "no_records"),
      outcome("c", "failed"),
    ]);
    expect(readCount(lines)).toEqual({ read: 2, total: 3 });
    expect(allFinished(lines)).toBe(true);
    expect(allFinished(restartLines(lines, (l) => l.fhirBaseUrl === "c"))).toBe(false);
  });
});

describe("isSettled", () => {
  it("folds away read and nothing-to-read lines, never failures, confirmations or running ones", async () => {
    const { isSettled } = await import("../src/lib/progress");
    const line = (status: HospitalLine["status"]) => ({ status }) as HospitalLine;
    expect(isSettled(line("connected"))).toBe(true);
    expect(isSettled(line("no_records"))).toBe(true);
    expect(isSettled(line("unsupported"))).toBe(true);
    expect(isSettled(line("failed"))).toBe(false);
    expect(isSettled(line("needs_confirmation"))).toBe(false);
    expect(isSettled(line(null))).toBe(false);
  });
});

describe("a hospital's own patient portal", () => {
  it("offers the portal on an unsupported line, which stays in view, and says when a line was read through it", async () => {
    const { isSettled } = await import("../src/lib/progress");
    const offered = fromOutcomes([
      outcome("emory", "unsupported", {
        portal_sign_in: true,
        error: { code: "hospital.unsupported", message: "Emory does not take permission tickets yet", action: "Sign in" },
      }),
    ])[0];
    expect(offered.portalSignIn).toBe(true);
    expect(lineText(offered, "Harold")).toBe(strings.lines.portalOffered);
    expect(isSettled(offered)).toBe(false);
    const plain = fromOutcomes([outcome("old", "unsupported")])[0];
    expect(lineText(plain, "Harold")).toBe(strings.lines.unsupported);
    expect(isSettled(plain)).toBe(true);

    const read = fromOutcomes([outcome("emory", "connected", { via: "portal", ticket_id: "p-1", resources: 4 })])[0];
    expect(read.viaPortal).toBe(true);
    expect(lineText(read, "Harold")).toBe(`${strings.lines.done(4)} ${strings.lines.viaPortal}`);
    const ended = fromOutcomes([outcome("emory", "failed", { via: "portal", portal_sign_in: true })])[0];
    expect(lineText(ended, "Harold")).toBe(strings.lines.portalEnded);
    expect(restartLines([offered])[0].portalSignIn).toBe(false);
  });

  it("words a portal line's refresh as opening the portal connection, not showing a permission", () => {
    const lines = applyProgress([], event("emory", "exchanging", 0, { via: "portal", ticket_id: "p-1" }), HAROLD);
    expect(lines[0].viaPortal).toBe(true);
    expect(lineText(lines[0], "Harold")).toBe(strings.lines.portalRefreshing);
    const ticket = applyProgress([], event("grady", "exchanging"), HAROLD);
    expect(lineText(ticket[0], "Harold")).toBe(strings.lines.exchanging);
  });
});
