import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// The UI is served from inside the Tauri binary (ui/dist); no dev server, no remote assets.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "safari15",
    // Strict CSP: no inline scripts, no eval; modules only.
    modulePreload: { polyfill: false },
  },
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
    // The contrast test reads app.css as text.
    css: { include: [/app\.css/] },
  },
});
