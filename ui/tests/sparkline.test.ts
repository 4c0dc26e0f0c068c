import { describe, expect, it } from "vitest";
import { sparkline } from "../src/lib/sparkline";

describe("sparkline geometry", () => {
  it("puts the oldest left, the newest right, the highest at the top", () => {
    const { dots, path } = sparkline(
      [
        { t: 0, v: 10 },
        { t: 5, v: 20 },
        { t: 10, v: 15 },
      ],
      100,
      40,
      5,
    );
    expect(dots).toEqual([
      { x: 5, y: 35 },
      { x: 50, y: 5 },
      { x: 95, y: 20 },
    ]);
    expect(path).toBe("M5 35 L50 5 L95 20");
  });

  it("places points by time, not by index", () => {
    const { dots } = sparkline(
      [
        { t: 0, v: 1 },
        { t: 1, v: 2 },
        { t: 10, v: 3 },
      ],
      110,
      20,
      5,
    );
    expect(dots.map((d) => d.x)).toEqual([5, 15, 105]);
  });

  it("draws equal values on the middle line and equal times evenly", () => {
    const flat = sparkline(
      [
        { t: 3, v: 7 },
        { t: 3, v: 7 },
        { t: 3, v: 7 },
      ],
      100,
      40,
      0,
    );
    expect(flat.dots).toEqual([
      { x: 0, y: 20 },
      { x: 50, y: 20 },
      { x: 100, y: 20 },
    ]);
  });

  it("centres a single point and draws nothing for none", () => {
    expect(sparkline([{ t: 1, v: 1 }], 100, 40).dots).toEqual([{ x: 50, y: 20 }]);
    expect(sparkline([], 100, 40)).toEqual({ path: "", dots: [] });
  });

  it("rounds the path to two decimals", () => {
    const { path } = sparkline(
      [
        { t: 0, v: 0 },
        { t: 3, v: 1 },
      ],
      10,
      10,
      0,
    );
    expect(path).toBe("M0 10 L10 0");
    const thirds = sparkline(
      [
        { t: 0, v: 0 },
        { t: 1, v: 1 },
        { t: 3, v: 3 },
      ],
      10,
      10,
      0,
    );
    expect(thirds.path).toBe("M0 10 L3.33 6.67 L10 0");
  });
});
