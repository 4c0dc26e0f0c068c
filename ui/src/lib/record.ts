// The merged record on a person's page: tabs by kind, search, a hospital filter and a "since" date.
import type { Category, RecordItem, RecordView, Source } from "./backend";
import { dateWords, onOrAfter, yearOf } from "./dates";
import { strings } from "./strings";

export type Tab = "all" | Category;

/** The tabs in the order they are shown. */
export const TABS: readonly Tab[] = [
  "all",
  "problem",
  "medication",
  "allergy",
  "result",
  "immunization",
  "visit",
  "document",
  "procedure",
];

export interface Filters {
  /** Which tab. */
  category: Tab;
  /** Words typed in the search box. */
  search: string;
  /** A hospital's FHIR base URL; "" for every hospital. */
  hospital: string;
  /** `YYYY-MM-DD`; "" for any date. */
  since: string;
}

export const NO_FILTERS: Filters = { category: "all", search: "", hospital: "", since: "" };

/** Lower case without accents, so "Sjogren" finds "Sjögren". */
function fold(text: string): string {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

/** The item's date in words: its own date, or the first date a source gives. */
/** A source's chip: the hospital, and "· patient portal" when it was read through the hospital's own portal. */
export function sourceLabel(source: Source): string {
  return source.via === "portal" ? strings.record.viaPortalChip(source.hospital) : source.hospital;
}

/**
 * What a source said and how its records were reached, in words: "22 Jan 2025, prescribed by Dr. Lisa Nakamura,
 * via your permission ticket".
 */
export function sourceTitle(source: Source): string {
  const via = source.via === "portal" ? strings.record.viaPortal(source.hospital) : strings.record.viaTicket;
  return [source.date, source.detail, via].filter((part): part is string => !!part).join(", ");
}

/** The facts under an item's title, each from the one entry its headline speaks for: dose, status, what for, range. */
export function itemFacts(item: RecordItem): string[] {
  const status =
    item.status === null
      ? null
      : (strings.record.medicineStatus[item.status] ?? strings.record.statusOther(item.status));
  return [
    item.dose,
    status,
    item.reason === null ? null : strings.record.forReason(item.reason),
    item.range === null ? null : strings.record.normalRange(item.range),
  ].filter((fact): fact is string => fact !== null);
}

/** A result's flag in words ("High"), or null when the hospital flagged nothing. */
export function flagWords(item: RecordItem): string | null {
  return item.flag === null ? null : strings.record.flags[item.flag];
}

export function itemDate(item: RecordItem): string | null {
  return dateWords(item.date) ?? item.sources.find((s) => s.date)?.date ?? null;
}

/** Whether every word of `search` appears in the item's title, detail, hospitals or date. */
export function matchesSearch(item: RecordItem, search: string): boolean {
  const words = fold(search).split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const text = fold(
    [item.title, item.detail ?? "", item.dose ?? "", itemDate(item) ?? "", ...item.sources.map((s) => s.hospital)].join(" "),
  );
  return words.every((word) => text.includes(word));
}

/** Whether the item passes every filter but the tab. */
function passesOthers(item: RecordItem, filters: Filters): boolean {
  if (filters.hospital && !item.sources.some((s) => s.fhir_base_url === filters.hospital)) return false;
  if (filters.since && !onOrAfter(item.date, filters.since)) return false;
  return matchesSearch(item, filters.search);
}

/** The items shown for these filters, in the record's order. */
export function filterItems(items: RecordItem[], filters: Filters): RecordItem[] {
  return items.filter(
    (item) => (filters.category === "all" || item.category === filters.category) && passesOthers(item, filters),
  );
}

/** How many items each tab would show with the other filters as they are. */
export function tabCounts(items: RecordItem[], filters: Filters): Record<Tab, number> {
  const counts = Object.fromEntries(TABS.map((tab) => [tab, 0])) as Record<Tab, number>;
  for (const item of items) {
    if (!passesOthers(item, filters)) continue;
    counts.all += 1;
    counts[item.category] += 1;
  }
  return counts;
}

/** Whether the search, hospital or date narrows what is shown (the tab alone does not count). */
export function isNarrowed(filters: Filters): boolean {
  return filters.search.trim() !== "" || filters.hospital !== "" || filters.since !== "";
}

/** One option per hospital in the record (by name), its value the FHIR base URL. */
export function hospitalOptions(view: Pick<RecordView, "hospitals" | "items">): { value: string; label: string }[] {
  const names = new Map<string, string>();
  for (const outcome of view.hospitals) names.set(outcome.fhir_base_url, outcome.name);
  for (const item of view.items) {
    for (const source of item.sources) if (!names.has(source.fhir_base_url)) names.set(source.fhir_base_url, source.hospital);
  }
  return [...names.entries()]
    .map(([value, label]) => ({ value, label }))
    .sort((a, b) => a.label.localeCompare(b.label));
}

/** Items grouped by year, newest year first; undated items last (year null). Order inside a year is kept. */
export function byYear(items: RecordItem[]): { year: string | null; items: RecordItem[] }[] {
  const groups = new Map<string | null, RecordItem[]>();
  for (const item of items) {
    const year = yearOf(item.date);
    groups.set(year, [...(groups.get(year) ?? []), item]);
  }
  return [...groups.entries()]
    .map(([year, grouped]) => ({ year, items: grouped }))
    .sort((a, b) => (a.year === null ? 1 : b.year === null ? -1 : b.year.localeCompare(a.year)));
}
