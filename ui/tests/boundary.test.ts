import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(__dirname, "..", "src");
const BACKEND = join("lib", "backend");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe("IPC boundary", () => {
  it("imports @tauri-apps/* only inside src/lib/backend", () => {
    const offenders = files(SRC)
      .filter((path) => /\.(ts|svelte|js)$/.test(path))
      .filter((path) => !relative(SRC, path).startsWith(BACKEND + sep))
      .filter((path) => readFileSync(path, "utf8").includes("@tauri-apps/"));
    expect(offenders).toEqual([]);
  });

  it("the backend module does import the Tauri API (the check above is not vacuous)", () => {
    expect(readFileSync(join(SRC, BACKEND, "index.ts"), "utf8")).toContain("@tauri-apps/api/core");
  });
});
