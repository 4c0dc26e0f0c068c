// The UI's own source files as text (through Vite, so the tests need no Node typings): path → contents.
const raw = import.meta.glob(["../src/**/*.ts", "../src/**/*.svelte", "../src/**/*.js"], {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

/** Every source file under src/, keyed by its path relative to src/ ("lib/backend/index.ts"). */
export const sources: Record<string, string> = Object.fromEntries(
  Object.entries(raw).map(([path, text]) => [path.replace(/^\.\.\/src\//, ""), text]),
);
