import { describe, expect, it } from "vitest";
import { strings } from "../src/lib/strings";
import { sources } from "./sources";

describe("strings", () => {
  it("has the words the screens promise", () => {
    expect(strings.record.exported(42, "health-record-2026-11-23.json")).toBe("Saved 42 records to health-record-2026-11-23.json");
    expect(strings.record.exported(1, "a.json")).toBe("Saved 1 record to a.json");
    expect(strings.person.summary(5, 6)).toBe("5 of 6 hospitals read");
    expect(strings.person.reading("Harold", 6)).toBe("Reading Harold's records from 6 hospitals…");
    expect(strings.lines.confirm("Harold", "Mercy Hospital")).toBe("Confirm who Harold is at Mercy Hospital");
    expect(strings.record.export).toBe("Save what is shown…");
    expect(strings.activity.exported(42, "tessera-activity-2026-11-23.csv")).toBe(
      "Saved 42 entries to tessera-activity-2026-11-23.csv",
    );
    expect(strings.lock.message).toBe("Locked — your records are put away");
    expect(strings.nav.lock).toBe("Lock");
    expect(strings.revoke.proof).toBe("The trust broker now lists this permission as revoked, so hospitals refuse it.");
    expect(strings.revoke.pending).toContain("We keep trying; nothing else is needed from you");
    expect(strings.aboutMe.empty).toBe("No one else has been given access to your records through your trust broker.");
    expect(strings.grant.studyUsedHeading).toBe("Hospitals this consent reached");
    expect(strings.settings.lockOnSleep).toBe("Lock when the computer sleeps or the screen locks");
    expect(strings.settings.notify).toBe(
      "Tell me when a permission ends within 30 and 7 days, and when a revocation is still waiting",
    );
    expect(strings.settings.signOutExplain).toBe(
      "Tessera stops renewing the permissions it holds from this broker; the ones you have keep working until they end.",
    );
    expect(strings.nav.grantsBadge(1)).toBe("1 needs your attention");
    expect(strings.nav.grantsBadge(3)).toBe("3 need your attention");
  });

  /** Text between tags with three or more words: a sentence that belongs in strings.ts. */
  function sentencesIn(source: string): string[] {
    let markup = source.replace(/<script[\s\S]*?<\/script>/g, "").replace(/<style[\s\S]*?<\/style>/g, "");
    // Drop {expressions}, innermost first, until none are left.
    for (let previous = ""; previous !== markup; ) {
      previous = markup;
      markup = markup.replace(/\{[^{}]*\}/g, "");
    }
    return [...markup.matchAll(/>([^<>]+)</g)]
      .map((m) => m[1].trim())
      .filter((text) => text.split(/\s+/).filter((w) => /[a-z]/i.test(w)).length >= 3);
  }

  it("finds a sentence written into markup (the check below is not vacuous)", () => {
    expect(sentencesIn('<p class="x">{a}Finish signing in</p><b onclick={() => { go(); }}>{b}</b>')).toEqual([
      "Finish signing in",
    ]);
  });

  it("keeps user-facing words out of the markup: no component writes a sentence itself", () => {
    const svelte = Object.entries(sources).filter(([path]) => path.endsWith(".svelte"));
    expect(svelte.length).toBeGreaterThan(5);
    const offenders = svelte.flatMap(([path, text]) => sentencesIn(text).map((sentence) => `${path}: ${sentence}`));
    expect(offenders).toEqual([]);
  });

  it("never touches browser storage", () => {
    const offenders = Object.entries(sources)
      .filter(([, text]) => /\b(localStorage|sessionStorage|indexedDB)\b/.test(text))
      .map(([path]) => path);
    expect(offenders).toEqual([]);
  });
});
