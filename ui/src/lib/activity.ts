// The activity log in words: when (the day, with the exact time on hover and focus), what, the outcome, and the
// filters that ask the core for the log again.
import type { ActivityFilter, ActivityKind, ActivityView, ExportResult } from "./backend";
import { unixDateWords } from "./dates";
import { strings } from "./strings";

/** Every kind of entry, in the order the kind filter lists them. */
export const ACTIVITY_KINDS: ActivityKind[] = [
  "sign_in",
  "sign_out",
  "ticket_received",
  "redemption",
  "refresh",
  "records_read",
  "interaction",
  "revoke",
  "status_check",
  "disclosure",
  "portal_sign_in",
  "other",
];

/** What the filter controls hold: ids and addresses, a kind, and a `YYYY-MM-DD` day ("" is any). */
export type ActivityControls = { person: string; hospital: string; kind: ActivityKind | ""; since: string };

export const NO_ACTIVITY_CONTROLS: ActivityControls = { person: "", hospital: "", kind: "", since: "" };

/** The unix time (seconds) at which a `YYYY-MM-DD` day begins on this computer; null for anything else. */
export function dayStart(day: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return null;
  const [, y, m, d] = match;
  const date = new Date(Number(y), Number(m) - 1, Number(d), 0, 0, 0, 0);
  if (Number.isNaN(date.getTime()) || date.getMonth() !== Number(m) - 1) return null;
  return Math.floor(date.getTime() / 1000);
}

/** The filter the core is asked with. */
export function toFilter(controls: ActivityControls): ActivityFilter {
  return {
    person: controls.person || null,
    hospital: controls.hospital || null,
    grant: null,
    kind: controls.kind || null,
    since: controls.since ? dayStart(controls.since) : null,
    until: null,
  };
}

/** Whether any filter is set. */
export function isNarrowed(controls: ActivityControls): boolean {
  return controls.person !== "" || controls.hospital !== "" || controls.kind !== "" || controls.since !== "";
}

/** A kind of entry in words. */
export function kindWords(kind: ActivityKind): string {
  return strings.activity.kinds[kind];
}

/** "Done", or "Failed (hospital.unreachable)". */
export function outcomeWords(entry: Pick<ActivityView, "ok" | "outcome">): string {
  return entry.ok ? strings.activity.ok : strings.activity.failed(entry.outcome);
}

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** The day of an entry in words: "Today", "Yesterday", else "12 Nov 2026" (this computer's time zone). */
export function dayWords(at: number, now: number): string {
  const day = new Date(at * 1000);
  const today = new Date(now * 1000);
  if (sameDay(day, today)) return strings.activity.today;
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1, 12);
  if (sameDay(day, yesterday)) return strings.activity.yesterday;
  return unixDateWords(at);
}

const two = (n: number) => String(n).padStart(2, "0");

/** The exact time of an entry: "12 Nov 2026 at 14:05:09". */
export function exactTime(at: number): string {
  const d = new Date(at * 1000);
  return strings.activity.at(unixDateWords(at), `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`);
}

/** The machine-readable time for `<time datetime>`. */
export function isoTime(at: number): string {
  return new Date(at * 1000).toISOString();
}

/** What an export did, in words; "" when the save dialog was closed (nothing to say). */
export function exportWords(result: ExportResult): string {
  return result.saved ? strings.activity.exported(result.resources, result.file_name ?? "") : "";
}
