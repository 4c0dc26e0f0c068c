import type { HospitalOutcome, Phase, ProgressEvent } from "./backend";

/** One hospital's line on the connect screen. */
export interface HospitalLine {
  fhirBaseUrl: string;
  name: string;
  phase: Phase;
  text: string;
  resources: number;
  error: { code: string; message: string; action: string } | null;
}

/** Plain words for where a hospital is. */
export function phaseText(phase: Phase, resources: number): string {
  switch (phase) {
    case "discovering":
      return "Looking it up…";
    case "registering":
      return "Introducing Tessera…";
    case "exchanging":
      return "Showing the permission…";
    case "reading":
      return resources > 0 ? `Reading records (${resources})…` : "Reading records…";
    case "done":
      return `Done — ${resources} ${resources === 1 ? "record" : "records"}`;
    case "failed":
      return "Could not connect";
  }
}

/** Applies one progress event to the lines, keeping the order in which hospitals first appeared. */
export function applyProgress(lines: HospitalLine[], event: ProgressEvent): HospitalLine[] {
  const line: HospitalLine = {
    fhirBaseUrl: event.fhir_base_url,
    name: event.name,
    phase: event.phase,
    text: phaseText(event.phase, event.resources),
    resources: event.resources,
    error: event.error,
  };
  const index = lines.findIndex((l) => l.fhirBaseUrl === event.fhir_base_url);
  if (index === -1) return [...lines, line];
  // A finished hospital stays finished even if a late event arrives.
  if (lines[index].phase === "done" || lines[index].phase === "failed") return lines;
  return lines.map((l, i) => (i === index ? line : l));
}

/** The final lines from the outcomes (authoritative once the call returns). */
export function fromOutcomes(outcomes: HospitalOutcome[]): HospitalLine[] {
  return outcomes.map((o) => {
    const phase: Phase = o.status === "connected" ? "done" : "failed";
    const text =
      o.status === "connected"
        ? phaseText("done", o.resources)
        : o.status === "unsupported"
          ? "Does not accept permission tickets"
          : o.status === "no_records"
            ? "No records for this person here"
            : "Could not connect";
    return { fhirBaseUrl: o.fhir_base_url, name: o.name, phase, text, resources: o.resources, error: o.error };
  });
}
