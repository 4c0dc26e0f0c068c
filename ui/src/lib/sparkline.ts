// The geometry of a small trend line drawn as inline SVG: time across, value up.

export interface SparkPoint {
  x: number;
  y: number;
}

/** Rounds to two decimals for a compact SVG path. */
function r(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/**
 * Places points (`t` on a time axis, `v` their value) inside a `width`×`height` box keeping `pad` clear on every
 * side: the oldest at the left, the highest value at the top. Equal times spread evenly; equal values sit on the
 * middle line; a single point sits in the centre. Returns the SVG path and each point's position.
 */
export function sparkline(
  points: { t: number; v: number }[],
  width: number,
  height: number,
  pad = 3,
): { path: string; dots: SparkPoint[] } {
  if (points.length === 0) return { path: "", dots: [] };
  const ts = points.map((p) => p.t);
  const vs = points.map((p) => p.v);
  const tMin = Math.min(...ts);
  const tMax = Math.max(...ts);
  const vMin = Math.min(...vs);
  const vMax = Math.max(...vs);
  const innerW = width - 2 * pad;
  const innerH = height - 2 * pad;
  const n = points.length;
  const dots = points.map((p, i) => {
    const x =
      tMax > tMin ? pad + ((p.t - tMin) / (tMax - tMin)) * innerW : n === 1 ? width / 2 : pad + (i / (n - 1)) * innerW;
    const y = vMax > vMin ? pad + (1 - (p.v - vMin) / (vMax - vMin)) * innerH : height / 2;
    return { x, y };
  });
  const path = dots.map((d, i) => `${i === 0 ? "M" : "L"}${r(d.x)} ${r(d.y)}`).join(" ");
  return { path, dots };
}
