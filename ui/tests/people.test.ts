import { describe, expect, it } from "vitest";
import type { PersonView } from "../src/lib/backend";
import { accessLine, bornLine, firstName, hospitalsLine, relationshipLine } from "../src/lib/people";

const harold: PersonView = {
  id: "p1",
  name: "Harold Washington",
  birth_date: "1946-09-14",
  relationship: "HPOWATT",
  born: "14 Sep 1946",
  authority: "healthcare power of attorney",
  hospitals: 6,
  connected: 0,
  access_ends: "12 Nov 2027",
};

describe("people cards", () => {
  it("uses the first name in short sentences", () => {
    expect(firstName("Harold Washington")).toBe("Harold");
    expect(firstName("  Priya  Patel ")).toBe("Priya");
  });

  it("gives the birth date in words", () => {
    expect(bornLine(harold)).toBe("Born 14 Sep 1946");
    expect(bornLine({ born: null })).toBeNull();
  });

  it("says how the user may act, neutrally", () => {
    expect(relationshipLine(harold)).toBe("You act as their healthcare power of attorney");
    expect(relationshipLine({ authority: null })).toBe("Your own records");
  });

  it("counts hospitals, and connected ones once there are any", () => {
    expect(hospitalsLine(harold)).toBe("6 hospitals");
    expect(hospitalsLine({ hospitals: 1, connected: 0 })).toBe("1 hospital");
    expect(hospitalsLine({ hospitals: 6, connected: 5 })).toBe("5 of 6 hospitals connected");
  });

  it("says until when access lasts", () => {
    expect(accessLine(harold)).toBe("Access until 12 Nov 2027");
    expect(accessLine({ access_ends: null })).toBe("Access until you end it");
  });
});
