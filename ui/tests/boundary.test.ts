import { describe, expect, it } from "vitest";
import { sources } from "./sources";

const BACKEND = "lib/backend/";

describe("IPC boundary", () => {
  it("imports @tauri-apps/* only inside src/lib/backend", () => {
    const offenders = Object.entries(sources)
      .filter(([path]) => !path.startsWith(BACKEND))
      .filter(([, text]) => text.includes("@tauri-apps/"))
      .map(([path]) => path);
    expect(offenders).toEqual([]);
  });

  it("sees every source file, and the backend module does import the Tauri API (the check above is not vacuous)", () => {
    expect(Object.keys(sources)).toContain("App.svelte");
    expect(Object.keys(sources)).toContain("screens/Person.svelte");
    expect(sources["lib/backend/call.ts"]).toContain("@tauri-apps/api/core");
  });
});
