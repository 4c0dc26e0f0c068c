import { describe, expect, it } from "vitest";
// The stylesheet as text (vite.config.ts lets Vitest load app.css).
import css from "../src/app.css?raw";

/** The colour variables of :root in app.css. */
const vars: Record<string, string> = Object.fromEntries(
  [...css.matchAll(/--([a-z-]+):\s*(#[0-9a-f]{6})\s*;/gi)].map((m) => [m[1], m[2].toLowerCase()]),
);

function colour(name: string): string {
  if (name.startsWith("#")) return name;
  const value = vars[name];
  if (!value) throw new Error(`app.css has no --${name}`);
  return value;
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio of two colours (variable names or #rrggbb). */
export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(colour(a)), luminance(colour(b))].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

// Every pairing of text and background the window uses (text first). Hard-coded colours are those written in
// components: #ddd5c4 (a rail item under the pointer), #e9e5dc (a neutral pill), #fff.
const PAIRS: [string, string][] = [
  ["ink", "paper"],
  ["ink", "surface"],
  ["ink", "rail"],
  ["muted", "paper"],
  ["muted", "surface"],
  ["muted", "rail"],
  ["muted", "teal-soft"],
  ["muted", "#ffffff"],
  ["teal", "paper"],
  ["teal", "surface"],
  ["teal", "teal-soft"],
  ["teal-dark", "paper"],
  ["teal-dark", "rail"],
  ["teal-dark", "#ddd5c4"],
  ["teal-dark", "teal-soft"],
  ["teal-dark", "surface"],
  ["#ffffff", "teal"],
  ["#ffffff", "teal-dark"],
  ["amber-ink", "amber-soft"],
  ["amber-ink", "surface"],
  ["amber-ink", "paper"],
  ["amber-ink", "#ffffff"],
  ["ink", "amber-soft"],
  ["muted", "amber-soft"],
  ["good-ink", "good-soft"],
  ["good-ink", "surface"],
  ["good-ink", "paper"],
  ["ink", "#e9e5dc"],
  ["danger", "surface"],
  ["danger", "paper"],
  ["danger", "danger-soft"],
  ["#ffffff", "danger"],
  ["#ffffff", "danger-dark"],
];

describe("colour contrast (WCAG AA)", () => {
  it("reads the colours from app.css", () => {
    expect(vars.ink).toMatch(/^#/);
    expect(Object.keys(vars).length).toBeGreaterThan(10);
    expect(contrast("#ffffff", "#000000")).toBeCloseTo(21, 5);
  });

  it("gives every text colour at least 4.5:1 on the backgrounds it is used on", () => {
    const poor = PAIRS.map(([text, background]) => ({ text, background, ratio: contrast(text, background) }))
      .filter((p) => p.ratio < 4.5)
      .map((p) => `${p.text} on ${p.background}: ${p.ratio.toFixed(2)}`);
    expect(poor).toEqual([]);
  });

  it("keeps focus rings and field borders visible (3:1 for non-text)", () => {
    expect(contrast("teal", "paper")).toBeGreaterThanOrEqual(3);
    expect(contrast("teal", "surface")).toBeGreaterThanOrEqual(3);
    expect(contrast("field-line", "#ffffff")).toBeGreaterThanOrEqual(3);
    expect(contrast("field-line", "paper")).toBeGreaterThanOrEqual(3);
    expect(contrast("danger", "paper")).toBeGreaterThanOrEqual(3);
  });
});
