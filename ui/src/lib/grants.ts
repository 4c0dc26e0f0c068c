// How grants are listed and described: status words, the filters above the list, the badge in the rail.
import type { GrantDetail, GrantKind, GrantStatus, GrantView } from "./backend";
import { unixDateWords } from "./dates";
import { strings } from "./strings";

const DAY = 86_400;

/** The status filter's choices, in the order shown ("" is All). */
export const STATUS_FILTERS = [
  "",
  "active",
  "expiring",
  "expired",
  "revoked",
  "revocation_pending",
  "unchecked",
] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

export type GrantFilters = { status: StatusFilter; person: string; issuer: string; hospital: string };

export const NO_GRANT_FILTERS: GrantFilters = { status: "", person: "", issuer: "", hospital: "" };

/** Whole days left until `expiry`, rounded up ("ends in 1 day" for anything under a day). */
export function daysLeft(expiry: number, now: number): number {
  return Math.ceil((expiry - now) / DAY);
}

/**
 * A grant's status in words: "Active", "Ends in 12 days", "Ended", "Revoked", "Ending — waiting for a hospital".
 * An expiring grant without a usable end says "Ends soon".
 */
export function statusWords(grant: Pick<GrantView, "status" | "expiry">, now: number): string {
  switch (grant.status) {
    case "active":
      return strings.grants.status.active;
    case "expiring": {
      if (grant.expiry === null) return strings.grants.status.soon;
      const days = daysLeft(grant.expiry, now);
      if (days <= 0) return strings.grants.status.soon;
      return strings.grants.status.endsIn(days);
    }
    case "expired":
      return strings.grants.status.expired;
    case "revoked":
      return strings.grants.status.revoked;
    case "revocation_pending":
      return strings.grants.status.pending;
    case "unchecked":
      return strings.grants.status.unchecked;
  }
}

/** The pill's tone: calm green while in force, amber when it needs attention, neutral once over. */
export function statusTone(status: GrantStatus): "good" | "warn" | "neutral" {
  switch (status) {
    case "active":
      return "good";
    case "expiring":
    case "revocation_pending":
    case "unchecked":
      return "warn";
    case "expired":
    case "revoked":
      return "neutral";
  }
}

/** The status filter's label for a choice. */
export function statusFilterWords(choice: StatusFilter): string {
  return choice === "" ? strings.grants.filters.all : strings.grants.filters.statuses[choice];
}

/** What kind of grant it is, in words. */
export function kindWords(kind: GrantKind): string {
  return strings.grants.kinds[kind];
}

/** How many grants need the person's eye: ending soon, or a revocation still waiting for a hospital. */
export function attentionCount(grants: GrantView[]): number {
  return grants.filter((g) => g.status === "expiring" || g.status === "revocation_pending" || g.status === "unchecked")
    .length;
}

/** The grants that match every filter set ("" is any). */
export function filterGrants(grants: GrantView[], filters: GrantFilters): GrantView[] {
  return grants.filter(
    (g) =>
      (filters.status === "" || g.status === filters.status) &&
      (filters.person === "" || g.person === filters.person) &&
      (filters.issuer === "" || g.issuer === filters.issuer) &&
      (filters.hospital === "" || g.hospital === filters.hospital),
  );
}

/** Whether any filter is set. */
export function isFiltered(filters: GrantFilters): boolean {
  return filters.status !== "" || filters.person !== "" || filters.issuer !== "" || filters.hospital !== "";
}

/** The distinct values of one field, sorted, for a filter's choices (empty values left out). */
function distinct(values: (string | null)[]): string[] {
  return [...new Set(values.filter((v): v is string => !!v))].sort((a, b) => a.localeCompare(b));
}

/** The choices of the person, issuer and hospital filters, built from the grants themselves. */
export function filterChoices(grants: GrantView[]): { people: string[]; issuers: string[]; hospitals: string[] } {
  return {
    people: distinct(grants.map((g) => g.person)),
    issuers: distinct(grants.map((g) => g.issuer)),
    hospitals: distinct(grants.map((g) => g.hospital)),
  };
}

/** Whether a filter's value is still among its choices (after the list changed), else "" (any). */
export function keepChoice(value: string, choices: string[]): string {
  return value === "" || choices.includes(value) ? value : "";
}

/** The line under a row's summary: whose records, and the hospital when there is one. */
export function rowFacts(grant: Pick<GrantView, "person" | "hospital">): string {
  return grant.hospital ? strings.grants.personAt(grant.person, grant.hospital) : grant.person;
}

/** "Ends on 12 Nov 2027" / "Ended on …" / "No end date", for a card. */
export function endsWords(grant: Pick<GrantView, "expiry" | "status">, now: number): string {
  if (grant.status === "revoked") return strings.grants.status.revoked;
  if (grant.expiry === null) return strings.aboutMe.noEnd;
  const day = unixDateWords(grant.expiry);
  return grant.expiry <= now ? strings.aboutMe.ended(day) : strings.aboutMe.ends(day);
}

/** Whether a grant is a research consent (its "where and when" section is then about the hospitals it reached). */
export function isStudy(detail: Pick<GrantDetail, "description" | "grant">): boolean {
  const headline = detail.description?.headline ?? detail.grant.summary;
  return /\bstudy\b/i.test(headline);
}

/** Whether a grant can still be ended (a revoked one is over already). */
export function canEnd(grant: Pick<GrantView, "status">): boolean {
  return grant.status !== "revoked";
}

/**
 * The detail as it stands once ending the grant finished, every step done, at `at` (unix seconds): ended on that one
 * date, every hospital it was used at ended. Drawn from the receipt's answer — the wallet no longer holds the grant —
 * so that nothing above the receipt still says it is active.
 */
export function endedDetail(detail: GrantDetail, at: number): GrantDetail {
  return {
    ...detail,
    grant: { ...detail.grant, status: "revoked", warning: null, expiry: at },
    used: detail.used.map((use) => ({ ...use, state: strings.grant.useEnded })),
    ends: strings.grant.endedOn(unixDateWords(at)),
  };
}
