// The live hospital lines on a person's page: one line per ticket shown at a hospital (a mother and her child at
// one hospital are two lines), moved along by `connect-progress` events and replaced by the outcomes once the call
// returns.
import type { ConnectionStatus, ErrorView, HospitalOutcome, Phase, ProgressEvent } from "./backend";
import { strings } from "./strings";

/** One hospital's line for one ticket. */
export interface HospitalLine {
  /** Unique per ticket and hospital; the key of the `{#each}`. */
  key: string;
  ticketId: string;
  fhirBaseUrl: string;
  name: string;
  phase: Phase;
  /** How it ended, once known; null while it is still under way. */
  status: ConnectionStatus | null;
  resources: number;
  error: ErrorView | null;
  /** Kinds of records the hospital would not share under this grant, in words (the rest was read). */
  notAvailable: string[];
  /** Read through the hospital's own patient portal (the line's `ticketId` is then the portal grant's id). */
  viaPortal: boolean;
  /** The hospital takes no permission tickets but has its own patient portal: the person may sign in there. */
  portalSignIn: boolean;
}

/** The key of a line: the ticket and the hospital together. */
export function lineKey(ticketId: string, fhirBaseUrl: string): string {
  return `${ticketId}\n${fhirBaseUrl}`;
}

/** The status a failure with `code` leaves a connection in (mirrors `ConnectionStatus::of_failure` in Rust). */
export function statusOfFailure(code: string): ConnectionStatus {
  switch (code) {
    case "hospital.unsupported":
      return "unsupported";
    case "hospital.nothing_shared":
      return "no_records";
    case "hospital.interaction_required":
      return "needs_confirmation";
    case "hospital.not_chosen":
      return "not_shown";
    case "hospital.not_covered":
      return "not_covered";
    default:
      return "failed";
  }
}

/** Plain words for where a hospital is. */
export function phaseText(phase: Phase, resources: number): string {
  switch (phase) {
    case "discovering":
      return strings.lines.discovering;
    case "registering":
      return strings.lines.registering;
    case "exchanging":
      return strings.lines.exchanging;
    case "reading":
      return strings.lines.reading(resources);
    case "done":
      return strings.lines.done(resources);
    case "failed":
      return strings.lines.failed;
  }
}

/** The line's words: its outcome once known, else where it is. `first` is the person's first name. */
export function lineText(line: HospitalLine, first: string): string {
  switch (line.status) {
    case "connected": {
      const done = line.viaPortal
        ? `${strings.lines.done(line.resources)} ${strings.lines.viaPortal}`
        : strings.lines.done(line.resources);
      return line.notAvailable.length > 0 ? `${done}; ${strings.lines.notAvailable(line.notAvailable)}` : done;
    }
    case "failed":
      if (line.portalSignIn) return strings.lines.portalEnded;
      return line.error?.message ?? strings.lines.failed;
    case "unsupported":
      return line.portalSignIn ? strings.lines.portalOffered : strings.lines.unsupported;
    case "no_records":
      return strings.lines.noRecords(first);
    case "needs_confirmation":
      return strings.lines.needsConfirmation;
    case "not_shown":
      return strings.lines.notShown;
    case "not_covered":
      return strings.lines.notCovered;
    case null:
      return line.viaPortal && line.phase === "exchanging"
        ? strings.lines.portalRefreshing
        : phaseText(line.phase, line.resources);
  }
}

function lineOf(event: ProgressEvent): HospitalLine {
  const status: ConnectionStatus | null =
    event.phase === "done"
      ? "connected"
      : event.phase === "failed"
        ? statusOfFailure(event.error?.code ?? "")
        : null;
  return {
    key: lineKey(event.ticket_id, event.fhir_base_url),
    ticketId: event.ticket_id,
    fhirBaseUrl: event.fhir_base_url,
    name: event.name,
    phase: event.phase,
    status,
    resources: event.resources,
    error: event.error,
    notAvailable: [],
    viaPortal: event.via === "portal",
    portalSignIn: false,
  };
}

/**
 * Applies one progress event for `person` to the lines, keeping the order in which lines first appeared. Events
 * about someone else are ignored, and a finished line stays finished when a late event arrives (restart it first,
 * see `restartLines`). Returns the same array when nothing changed.
 */
export function applyProgress(lines: HospitalLine[], event: ProgressEvent, person: string): HospitalLine[] {
  if (event.person !== person) return lines;
  const line = lineOf(event);
  const index = lines.findIndex((l) => l.key === line.key);
  if (index === -1) return [...lines, line];
  if (lines[index].status !== null) return lines;
  return lines.map((l, i) => (i === index ? line : l));
}

/** The final lines from the outcomes (authoritative once the call returns), for `person` when given. */
export function fromOutcomes(outcomes: HospitalOutcome[], person?: string): HospitalLine[] {
  return outcomes
    .filter((o) => person === undefined || o.person === person)
    .map((o) => ({
      key: lineKey(o.ticket_id, o.fhir_base_url),
      ticketId: o.ticket_id,
      fhirBaseUrl: o.fhir_base_url,
      name: o.name,
      phase: o.status === "connected" ? "done" : "failed",
      status: o.status,
      resources: o.resources,
      error: o.error,
      notAvailable: o.not_available,
      viaPortal: o.via === "portal",
      portalSignIn: o.portal_sign_in,
    }));
}

/** The lines with those matching `which` set going again (no outcome yet), so new events move them. */
export function restartLines(lines: HospitalLine[], which: (line: HospitalLine) => boolean = () => true): HospitalLine[] {
  return lines.map((l) =>
    which(l)
      ? { ...l, phase: "discovering" as Phase, status: null, error: null, resources: 0, notAvailable: [], portalSignIn: false }
      : l,
  );
}

/** Puts a line back the way it was (e.g. when retrying it could not even start). */
export function replaceLine(lines: HospitalLine[], line: HospitalLine): HospitalLine[] {
  return lines.map((l) => (l.key === line.key ? line : l));
}

/** Whether every line has its outcome. */
export function allFinished(lines: HospitalLine[]): boolean {
  return lines.every((l) => l.status !== null);
}

/**
 * How many hospitals were read, of how many: a hospital counts once however many tickets were shown there, and
 * is read when any of its lines connected or found no records.
 */
export function readCount(lines: HospitalLine[]): { read: number; total: number } {
  const hospitals = new Map<string, boolean>();
  for (const line of lines) {
    const read = line.status === "connected" || line.status === "no_records";
    hospitals.set(line.fhirBaseUrl, (hospitals.get(line.fhirBaseUrl) ?? false) || read);
  }
  let read = 0;
  for (const ok of hospitals.values()) if (ok) read += 1;
  return { read, total: hospitals.size };
}

/**
 * The lines once a call returned its outcomes, except at hospitals still being worked on by another call
 * (`busy`, FHIR base URLs): those keep their live lines, so a Retry that finishes first does not undo a
 * confirmation still under way.
 */
export function settleLines(
  current: HospitalLine[],
  outcomes: HospitalOutcome[],
  person: string,
  busy: string[] = [],
): HospitalLine[] {
  return fromOutcomes(outcomes, person).map((line) => {
    if (!busy.includes(line.fhirBaseUrl)) return line;
    return current.find((l) => l.key === line.key) ?? line;
  });
}

/** Whether a line has settled for good (read, or nothing to read there): once the reading is over such lines fold
 * away behind a disclosure, so what needs the person (failures, confirmations) and the record come first. */
export function isSettled(line: HospitalLine): boolean {
  if (line.portalSignIn) return false;
  return (
    line.status === "connected" ||
    line.status === "no_records" ||
    line.status === "unsupported" ||
    line.status === "not_covered"
  );
}
