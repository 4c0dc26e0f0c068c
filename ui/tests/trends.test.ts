import { describe, expect, it } from "vitest";
import { extractTrends, formatNumber, formatValue, trendLabel } from "../src/lib/trends";
import { item, result } from "./fixtures";

const A1C = "http://loinc.org|4548-4";
const LDL = "http://loinc.org|18262-6";

describe("trends", () => {
  it("groups results by code, oldest first, with range and latest", () => {
    const trends = extractTrends([
      result("r3", A1C, 7.2, "2026-03-03"),
      result("r1", A1C, 6.1, "2025-01-10"),
      result("r2", A1C, 7.4, "2025-09-01"),
      result("l1", LDL, 130, "2025-01-10", "mg/dL"),
    ]);
    expect(trends).toHaveLength(1);
    const [a1c] = trends;
    expect(a1c.points.map((p) => p.value)).toEqual([6.1, 7.4, 7.2]);
    expect(a1c.min).toBe(6.1);
    expect(a1c.max).toBe(7.4);
    expect(a1c.latest).toEqual({ id: "r3", date: "2026-03-03", value: 7.2 });
    expect(a1c.unit).toBe("%");
    expect(a1c.title).toBe("Hemoglobin A1c");
  });

  it("needs a code, a number and a date, and only looks at results", () => {
    const trends = extractTrends([
      result("a", A1C, 6, "2025-01-01"),
      { ...result("b", A1C, 7, "2025-02-01"), value: null },
      { ...result("c", A1C, 7, "2025-03-01"), date: null },
      { ...result("d", A1C, 7, "2025-04-01"), category: "problem" },
      item("e", { category: "result", code: null, value: 5, date: "2025-05-01" }),
      { ...result("f", A1C, Number.NaN, "2025-06-01") },
    ]);
    expect(trends).toEqual([]);
  });

  it("keeps one test in two units apart", () => {
    const trends = extractTrends([
      result("a", A1C, 6, "2025-01-01", "%"),
      result("b", A1C, 7, "2025-02-01", "%"),
      result("c", A1C, 42, "2025-01-01", "mmol/mol"),
      result("d", A1C, 53, "2025-02-01", "mmol/mol"),
    ]);
    expect(trends.map((t) => t.unit).sort()).toEqual(["%", "mmol/mol"]);
  });

  it("writes values as people do", () => {
    expect(formatNumber(7.2)).toBe("7.2");
    expect(formatNumber(0.1 + 0.2)).toBe("0.3");
    expect(formatValue(110, "mg/dL")).toBe("110 mg/dL");
    expect(formatValue(12, null)).toBe("12");
  });

  it("describes a trend in one sentence for screen readers", () => {
    const [trend] = extractTrends([
      result("1", A1C, 6.1, "2025-01-10"),
      result("2", A1C, 7.4, "2025-05-10"),
      result("3", A1C, 6.8, "2025-08-10"),
      result("4", A1C, 7.0, "2025-11-10"),
      result("5", A1C, 7.2, "2026-03-03"),
    ]);
    expect(trendLabel(trend)).toBe("Hemoglobin A1c: 5 results from 6.1 to 7.4 %, latest 7.2 % on 3 Mar 2026");
  });
});
