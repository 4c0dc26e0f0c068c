import { describe, expect, it } from "vitest";
import {
  NO_FILTERS,
  TABS,
  byYear,
  filterItems,
  hospitalOptions,
  isNarrowed,
  itemDate,
  matchesSearch,
  tabCounts,
} from "../src/lib/record";
import { GRADY, MERCY, item } from "./fixtures";

const both = [
  { hospital: "Mercy Hospital", fhir_base_url: MERCY, date: "2 Jan 2024", detail: "prescribed by Dr. Okafor", via: "ticket" as const },
  { hospital: "Grady Memorial", fhir_base_url: GRADY, date: "3 Jan 2024", detail: null, via: "portal" as const },
];

const items = [
  item("dm", { title: "Type 2 diabetes mellitus", detail: "active", date: "2024-01-03", sources: both }),
  item("htn", { title: "Hypertensive disorder", detail: "active", date: "2019-05-01" }),
  item("met", { category: "medication", title: "metformin 500 MG Oral Tablet", detail: "prescribed by Dr. Okafor", date: "2025-06-10" }),
  item("pen", { category: "allergy", title: "Penicillin", detail: "high criticality", sources: [both[1]] }),
  item("v1", { category: "visit", title: "Office visit", date: "2025-02" }),
];

describe("record filtering", () => {
  it("shows every item with no filters, in the record's order", () => {
    expect(filterItems(items, NO_FILTERS).map((i) => i.id)).toEqual(["dm", "htn", "met", "pen", "v1"]);
  });

  it("filters by tab", () => {
    expect(filterItems(items, { ...NO_FILTERS, category: "problem" }).map((i) => i.id)).toEqual(["dm", "htn"]);
    expect(filterItems(items, { ...NO_FILTERS, category: "procedure" })).toEqual([]);
  });

  it("searches title, detail and hospital, every word, any case and accents", () => {
    expect(filterItems(items, { ...NO_FILTERS, search: "DIABETES type" }).map((i) => i.id)).toEqual(["dm"]);
    expect(filterItems(items, { ...NO_FILTERS, search: "okafor" }).map((i) => i.id)).toEqual(["met"]);
    expect(filterItems(items, { ...NO_FILTERS, search: "grady" }).map((i) => i.id)).toEqual(["dm", "pen"]);
    expect(matchesSearch(item("s", { title: "Sjögren syndrome" }), "sjogren")).toBe(true);
    expect(matchesSearch(items[0], "asthma")).toBe(false);
    expect(matchesSearch(items[0], "   ")).toBe(true);
  });

  it("filters by hospital and by date", () => {
    expect(filterItems(items, { ...NO_FILTERS, hospital: GRADY }).map((i) => i.id)).toEqual(["dm", "pen"]);
    expect(filterItems(items, { ...NO_FILTERS, since: "2025-02-15" }).map((i) => i.id)).toEqual(["met", "v1"]);
    expect(
      filterItems(items, { category: "problem", search: "active", hospital: MERCY, since: "2020-01-01" }).map((i) => i.id),
    ).toEqual(["dm"]);
  });

  it("counts each tab with the other filters applied", () => {
    const counts = tabCounts(items, NO_FILTERS);
    expect(counts).toMatchObject({ all: 5, problem: 2, medication: 1, allergy: 1, visit: 1, result: 0 });
    expect(Object.keys(counts).sort()).toEqual([...TABS].sort());
    const narrowed = tabCounts(items, { ...NO_FILTERS, category: "problem", hospital: GRADY });
    expect(narrowed).toMatchObject({ all: 2, problem: 1, allergy: 1, medication: 0 });
  });

  it("knows when the search, hospital or date narrow the record", () => {
    expect(isNarrowed(NO_FILTERS)).toBe(false);
    expect(isNarrowed({ ...NO_FILTERS, category: "visit" })).toBe(false);
    expect(isNarrowed({ ...NO_FILTERS, search: "x" })).toBe(true);
    expect(isNarrowed({ ...NO_FILTERS, hospital: MERCY })).toBe(true);
    expect(isNarrowed({ ...NO_FILTERS, since: "2020-01-01" })).toBe(true);
  });

  it("gives one hospital option per hospital, by name", () => {
    const options = hospitalOptions({
      hospitals: [
        { person: "p", ticket_id: "t", fhir_base_url: MERCY, name: "Mercy Hospital", status: "connected", error: null, resources: 3, granted: [], not_available: [], via: "ticket", portal_sign_in: false },
      ],
      items,
    });
    expect(options).toEqual([
      { value: GRADY, label: "Grady Memorial" },
      { value: MERCY, label: "Mercy Hospital" },
    ]);
  });

  it("dates an item in words from its own date, else its source's", () => {
    expect(itemDate(items[0])).toBe("3 Jan 2024");
    expect(itemDate(items[4])).toBe("Feb 2025");
    expect(itemDate(items[3])).toBe("3 Jan 2024");
    expect(itemDate(item("none"))).toBeNull();
  });

  it("groups visits by year, newest first, undated last", () => {
    const visits = [
      item("a", { category: "visit", date: "2026-03-01" }),
      item("b", { category: "visit", date: null }),
      item("c", { category: "visit", date: "2024-12-30" }),
      item("d", { category: "visit", date: "2026-01-15" }),
    ];
    const groups = byYear(visits);
    expect(groups.map((g) => g.year)).toEqual(["2026", "2024", null]);
    expect(groups[0].items.map((i) => i.id)).toEqual(["a", "d"]);
    expect(groups[2].items.map((i) => i.id)).toEqual(["b"]);
  });
});

describe("provenance", () => {
  it("says how each source's records were reached", async () => {
    const { sourceLabel, sourceTitle } = await import("../src/lib/record");
    const { strings } = await import("../src/lib/strings");
    expect(sourceLabel(both[0])).toBe("Mercy Hospital");
    expect(sourceTitle(both[0])).toBe(`2 Jan 2024, prescribed by Dr. Okafor, ${strings.record.viaTicket}`);
    expect(sourceLabel(both[1])).toBe("Grady Memorial · patient portal");
    expect(sourceTitle(both[1])).toBe("3 Jan 2024, via Grady Memorial's patient portal");
    expect(strings.record.viaPortal("Atlanta Neurology Associates")).toBe("via Atlanta Neurology Associates' patient portal");
  });
});

describe("an item's own facts", () => {
  it("says a medicine's dose, status, reason and a result's range and flag in words", async () => {
    const { itemFacts, flagWords } = await import("../src/lib/record");
    const medicine = item("m", {
      category: "medication",
      dose: "10 mg once daily",
      status: "stopped",
      reason: "Alzheimer's disease",
    });
    expect(itemFacts(medicine)).toEqual(["10 mg once daily", "Stopped", "For Alzheimer's disease"]);
    expect(itemFacts(item("x", { status: "unknown" }))).toEqual(["Status: unknown"]);
    const glucose = item("g", { category: "result", range: "70–99 mg/dL", flag: "high" });
    expect(itemFacts(glucose)).toEqual(["Normal range 70–99 mg/dL"]);
    expect(flagWords(glucose)).toBe("High");
    expect(flagWords(item("n"))).toBeNull();
    expect(flagWords(item("c", { flag: "critically_low" }))).toBe("Critically low");
  });
});
