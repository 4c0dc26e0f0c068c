import type { RecordItem } from "../src/lib/backend";

export const MERCY = "https://mercy.example/fhir";
export const GRADY = "https://grady.example/fhir";

/** A record item with sensible defaults. */
export function item(id: string, more: Partial<RecordItem> = {}): RecordItem {
  return {
    id,
    category: "problem",
    title: `Item ${id}`,
    detail: null,
    code: null,
    value: null,
    unit: null,
    range: null,
    flag: null,
    dose: null,
    status: null,
    reason: null,
    date: null,
    sources: [{ hospital: "Mercy Hospital", fhir_base_url: MERCY, date: null, detail: null, via: "ticket" }],
    ...more,
  };
}

/** A numeric result. */
export function result(id: string, code: string, value: number, date: string, unit: string | null = "%"): RecordItem {
  return item(id, { category: "result", title: "Hemoglobin A1c", code, value, unit, date, detail: `${value} ${unit ?? ""}`.trim() });
}
