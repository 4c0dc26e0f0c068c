// Dates in words ("12 Nov 2025") and "updated N minutes ago", never a timestamp.
import { MONTHS, strings } from "./strings";

/**
 * A FHIR-style date in words: `YYYY-MM-DD…` → "12 Nov 2025", `YYYY-MM` → "Nov 2025", `YYYY` → "2025". Anything else
 * is returned as given (it is already words); null stays null.
 */
export function dateWords(date: string | null | undefined): string | null {
  if (!date) return null;
  const full = /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
  if (full) {
    const [, year, month, day] = full;
    const m = Number(month);
    const d = Number(day);
    if (m >= 1 && m <= 12 && d >= 1 && d <= 31) return `${d} ${MONTHS[m - 1]} ${year}`;
    return date;
  }
  const partial = /^(\d{4})-(\d{2})$/.exec(date);
  if (partial) {
    const m = Number(partial[2]);
    return m >= 1 && m <= 12 ? `${MONTHS[m - 1]} ${partial[1]}` : date;
  }
  return date;
}

/** The same date in words for a unix time (seconds), in the computer's own time zone. */
export function unixDateWords(seconds: number): string {
  const d = new Date(seconds * 1000);
  return `${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}`;
}

/** "updated just now", "updated 3 minutes ago", "updated 2 hours ago", then "updated on 12 Nov 2026". */
export function updatedAgo(readAt: number, now: number): string {
  const seconds = Math.max(0, now - readAt);
  if (seconds < 60) return strings.updated.justNow;
  if (seconds < 3600) return strings.updated.minutes(Math.floor(seconds / 60));
  if (seconds < 86400) return strings.updated.hours(Math.floor(seconds / 3600));
  return strings.updated.on(unixDateWords(readAt));
}

/** The year of a `YYYY…` date, or null. */
export function yearOf(date: string | null | undefined): string | null {
  const match = date ? /^(\d{4})/.exec(date) : null;
  return match ? match[1] : null;
}

/**
 * Days since 1970 for a `YYYY`, `YYYY-MM` or `YYYY-MM-DD` date (a partial date counts from its first day), for
 * placing points on a time axis; null when it is not such a date.
 */
export function dayNumber(date: string | null | undefined): number | null {
  const match = date ? /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(date) : null;
  if (!match) return null;
  const [, y, m, d] = match;
  const ms = Date.UTC(Number(y), m ? Number(m) - 1 : 0, d ? Number(d) : 1);
  return Number.isNaN(ms) ? null : Math.round(ms / 86_400_000);
}

/**
 * Whether a (possibly partial) date can lie on or after `since` (`YYYY-MM-DD`): "2025-02" is on or after
 * "2025-02-10" because some of February is. Undated items are never "since" anything.
 */
export function onOrAfter(date: string | null | undefined, since: string): boolean {
  if (!date) return false;
  const year = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(date);
  if (!year) return false;
  const [, y, m, d] = year;
  const latest = `${y}-${m ?? "12"}-${d ?? "31"}`;
  return latest >= since;
}

/** One choice of a "since" filter: the `YYYY-MM-DD` day it starts on ("" is any time) and its words. */
export type SinceChoice = { value: string; label: string };

/**
 * The choices a "since" filter offers on the day `now` falls on (local time): any time, the last 30 days, the last
 * 12 months, the last 5 years. A list of plain choices rather than a date picker: WebKitGTK's date field holds the
 * Tab key, so keyboard users could not leave it.
 */
export function sinceChoices(now: Date): SinceChoice[] {
  const day = (d: Date) =>
    `${String(d.getFullYear()).padStart(4, "0")}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  const back = (days: number, years: number) =>
    new Date(now.getFullYear() - years, now.getMonth(), now.getDate() - days);
  const words = strings.sinceChoices;
  return [
    { value: "", label: words.any },
    { value: day(back(30, 0)), label: words.month },
    { value: day(back(0, 1)), label: words.year },
    { value: day(back(0, 5)), label: words.fiveYears },
  ];
}
