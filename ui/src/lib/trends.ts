// Trends in results: a test measured two or more times (same code, same unit, a number and a date each time).
import type { RecordItem } from "./backend";
import { dateWords, dayNumber } from "./dates";
import { strings } from "./strings";

export interface TrendPoint {
  /** The item it comes from. */
  id: string;
  /** `YYYY-MM-DD` (or a partial date). */
  date: string;
  value: number;
}

export interface Trend {
  /** `system|code`, plus the unit when one test is reported in two units. */
  key: string;
  title: string;
  unit: string | null;
  /** Oldest first. */
  points: TrendPoint[];
  min: number;
  max: number;
  latest: TrendPoint;
}

/** A number as people write it: no floating-point noise ("7.2", not "7.200000001"). */
export function formatNumber(value: number): string {
  return String(Math.round(value * 10_000) / 10_000);
}

/** "7.2 %", "110 mg/dL", "12" (no unit). */
export function formatValue(value: number, unit: string | null): string {
  return unit ? `${formatNumber(value)} ${unit}` : formatNumber(value);
}

/** Every result code that has a numeric value at two or more dates, oldest point first, trends by title. */
export function extractTrends(items: RecordItem[]): Trend[] {
  const groups = new Map<string, RecordItem[]>();
  for (const item of items) {
    if (item.category !== "result" || !item.code || item.value === null || !Number.isFinite(item.value)) continue;
    if (dayNumber(item.date) === null) continue;
    const key = `${item.code}\n${item.unit ?? ""}`;
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  const trends: Trend[] = [];
  for (const [key, group] of groups) {
    if (group.length < 2) continue;
    const points = group
      .map((item) => ({ id: item.id, date: item.date as string, value: item.value as number }))
      .sort((a, b) => (dayNumber(a.date) as number) - (dayNumber(b.date) as number) || a.id.localeCompare(b.id));
    const values = points.map((p) => p.value);
    const latest = points[points.length - 1];
    const newest = group.find((item) => item.id === latest.id) ?? group[0];
    trends.push({
      key,
      title: newest.title,
      unit: newest.unit,
      points,
      min: Math.min(...values),
      max: Math.max(...values),
      latest,
    });
  }
  return trends.sort((a, b) => a.title.localeCompare(b.title) || a.key.localeCompare(b.key));
}

/** The sentence a screen reader hears for a trend's picture. */
export function trendLabel(trend: Trend): string {
  return strings.record.trendLabel({
    title: trend.title,
    count: trend.points.length,
    min: formatNumber(trend.min),
    max: formatValue(trend.max, trend.unit),
    latest: formatValue(trend.latest.value, trend.unit),
    on: dateWords(trend.latest.date) ?? "",
  });
}
