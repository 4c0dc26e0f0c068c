import { describe, expect, it } from "vitest";
import type { GrantDetail, GrantView } from "../src/lib/backend";
import {
  NO_GRANT_FILTERS,
  STATUS_FILTERS,
  attentionCount,
  canEnd,
  daysLeft,
  endedDetail,
  endsWords,
  filterChoices,
  filterGrants,
  isFiltered,
  isStudy,
  keepChoice,
  kindWords,
  rowFacts,
  statusFilterWords,
  statusTone,
  statusWords,
} from "../src/lib/grants";
import { unixDateWords } from "../src/lib/dates";

const NOW = 1_800_000_000;
const DAY = 86_400;

const grant = (id: string, more: Partial<GrantView> = {}): GrantView => ({
  id,
  kind: "ticket",
  status: "active",
  person: "Harold Washington",
  issuer: "broker.example.org",
  hospital: null,
  expiry: NOW + 400 * DAY,
  summary: `Grant ${id}`,
  warning: null,
  ...more,
});

const grants = [
  grant("t1"),
  grant("c1", { kind: "connection", hospital: "Mercy Hospital", status: "revocation_pending" }),
  grant("c2", { kind: "connection", hospital: "Grady Memorial" }),
  grant("t2", { person: "Priya Patel", issuer: "other.example", status: "expiring", expiry: NOW + 12 * DAY }),
  grant("m1", { kind: "about_me", person: "Margaret Washington", status: "revoked", expiry: null }),
  grant("t3", { status: "expired", expiry: NOW - DAY }),
];

describe("grant status in words", () => {
  it("words every status, with the days left for an ending grant", () => {
    expect(statusWords(grants[0], NOW)).toBe("Active");
    expect(statusWords(grants[3], NOW)).toBe("Ends in 12 days");
    expect(statusWords(grant("x", { status: "expiring", expiry: NOW + 3600 }), NOW)).toBe("Ends in 1 day");
    expect(statusWords(grant("x", { status: "expiring", expiry: null }), NOW)).toBe("Ends soon");
    expect(statusWords(grant("x", { status: "expiring", expiry: NOW - 5 }), NOW)).toBe("Ends soon");
    expect(statusWords(grants[5], NOW)).toBe("Ended");
    expect(statusWords(grants[4], NOW)).toBe("Revoked");
    expect(statusWords(grants[1], NOW)).toBe("Ending — waiting for a hospital");
    expect(statusWords(grant("x", { status: "unchecked" }), NOW)).toBe("Not checked — its issuer did not answer");
  });

  it("rounds the days left up", () => {
    expect(daysLeft(NOW + DAY, NOW)).toBe(1);
    expect(daysLeft(NOW + DAY + 1, NOW)).toBe(2);
  });

  it("gives each status a tone, never relying on colour alone (the words are always there)", () => {
    expect(statusTone("active")).toBe("good");
    expect(statusTone("expiring")).toBe("warn");
    expect(statusTone("revocation_pending")).toBe("warn");
    expect(statusTone("expired")).toBe("neutral");
    expect(statusTone("revoked")).toBe("neutral");
    expect(statusTone("unchecked")).toBe("warn");
  });

  it("names the status filter's choices", () => {
    expect(STATUS_FILTERS.map(statusFilterWords)).toEqual([
      "All",
      "Active",
      "Ending soon",
      "Ended",
      "Revoked",
      "Revocation pending",
      "Not checked",
    ]);
  });

  it("names each kind of grant", () => {
    expect(kindWords("ticket")).toBe("Permission ticket");
    expect(kindWords("connection")).toBe("Connection at a hospital");
    expect(kindWords("about_me")).toBe("Access to your records");
  });
});

describe("grant filters", () => {
  it("keeps everything with no filters", () => {
    expect(filterGrants(grants, NO_GRANT_FILTERS)).toEqual(grants);
    expect(isFiltered(NO_GRANT_FILTERS)).toBe(false);
  });

  it("filters by status, person, issuer and hospital together", () => {
    const ids = (f: Partial<typeof NO_GRANT_FILTERS>) => filterGrants(grants, { ...NO_GRANT_FILTERS, ...f }).map((g) => g.id);
    expect(ids({ status: "expiring" })).toEqual(["t2"]);
    expect(ids({ status: "revocation_pending" })).toEqual(["c1"]);
    expect(ids({ person: "Harold Washington" })).toEqual(["t1", "c1", "c2", "t3"]);
    expect(ids({ issuer: "other.example" })).toEqual(["t2"]);
    expect(ids({ hospital: "Grady Memorial" })).toEqual(["c2"]);
    expect(ids({ person: "Harold Washington", status: "active" })).toEqual(["t1", "c2"]);
    expect(isFiltered({ ...NO_GRANT_FILTERS, hospital: "Grady Memorial" })).toBe(true);
  });

  it("builds each filter's choices from the grants, sorted and without blanks", () => {
    expect(filterChoices(grants)).toEqual({
      people: ["Harold Washington", "Margaret Washington", "Priya Patel"],
      issuers: ["broker.example.org", "other.example"],
      hospitals: ["Grady Memorial", "Mercy Hospital"],
    });
    expect(filterChoices([])).toEqual({ people: [], issuers: [], hospitals: [] });
  });

  it("drops a filter whose choice disappeared from the list", () => {
    expect(keepChoice("Mercy Hospital", ["Mercy Hospital"])).toBe("Mercy Hospital");
    expect(keepChoice("Gone", ["Mercy Hospital"])).toBe("");
    expect(keepChoice("", [])).toBe("");
  });
});

describe("grant rows and cards", () => {
  it("counts the grants needing attention for the badge", () => {
    expect(attentionCount(grants)).toBe(2);
    expect(attentionCount([grants[0]])).toBe(0);
    expect(attentionCount([grant("x", { status: "unchecked" })])).toBe(1);
  });

  it("says whose records and where", () => {
    expect(rowFacts(grants[0])).toBe("Harold Washington");
    expect(rowFacts(grants[1])).toBe("Harold Washington · Mercy Hospital");
  });

  it("says when an about-me grant ends", () => {
    expect(endsWords(grant("a", { expiry: NOW + 10 * DAY }), NOW)).toBe(`Ends on ${unixDateWords(NOW + 10 * DAY)}`);
    expect(endsWords(grant("a", { expiry: NOW - DAY, status: "expired" }), NOW)).toBe(`Ended on ${unixDateWords(NOW - DAY)}`);
    expect(endsWords(grant("a", { expiry: null }), NOW)).toBe("Lasts until someone ends it");
    expect(endsWords(grant("a", { status: "revoked" }), NOW)).toBe("Revoked");
  });

  it("offers to end anything not revoked already", () => {
    expect(canEnd({ status: "active" })).toBe(true);
    expect(canEnd({ status: "revocation_pending" })).toBe(true);
    expect(canEnd({ status: "expired" })).toBe(true);
    expect(canEnd({ status: "revoked" })).toBe(false);
  });

  it("recognises a research consent by its headline, or by the summary when there is no ticket", () => {
    const detail = (headline: string | null, summary = "x"): Pick<GrantDetail, "description" | "grant"> => ({
      grant: grant("r", { summary }),
      description:
        headline === null
          ? null
          : { kind: "", headline, requester: null, purpose: [], patient: "", issuer: "", access: [], limits: [], not_shared: [], details: [] },
    });
    expect(isStudy(detail('Harold Washington\'s consent to the study "Heart Health 2030"'))).toBe(true);
    expect(isStudy(detail("Your own records"))).toBe(false);
    expect(isStudy(detail(null, 'Your consent to the study "Sleep"'))).toBe(true);
    expect(isStudy(detail("Margaret may access Harold's records as a student nurse"))).toBe(false);
  });
});

describe("a grant just ended", () => {
  it("says ended everywhere on its page, with the one date the receipt gives", () => {
    const before: GrantDetail = {
      grant: grant("t1", { warning: "Renew soon" }),
      description: null,
      used: [
        { hospital: "Mercy", state: "Connected", last_used: "2 Dec 2026", granted: [] },
        { hospital: "Grady", state: "Could not connect", last_used: "1 Dec 2026", granted: [] },
      ],
      ends: "It ends on 5 Dec 2031",
      not_shared: [],
      end_action: "End access",
    };
    const after = endedDetail(before, NOW);
    expect(after.grant.status).toBe("revoked");
    expect(statusWords(after.grant, NOW)).toBe("Revoked");
    expect(after.grant.warning).toBeNull();
    expect(after.ends).toBe(`It was ended on ${unixDateWords(NOW)}. The hospitals no longer accept it.`);
    expect(after.used.map((u) => u.state)).toEqual(["Ended", "Ended"]);
    expect(after.used.map((u) => u.last_used)).toEqual(["2 Dec 2026", "1 Dec 2026"]);
    expect(canEnd(after.grant)).toBe(false);
    expect(before.grant.status).toBe("active");
  });
});
