import { defineConfig } from "vitest/config";

// Preact's automatic JSX runtime, compiled by Vite's own transform (no
// Babel preset needed). `base: "./"` keeps asset URLs relative, which is
// what Tauri's embedded asset protocol serves.
export default defineConfig({
  base: "./",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    target: "safari16",
    outDir: "dist",
    emptyOutDir: true,
    // One small bundle: the app is local, so a request per chunk buys nothing.
    modulePreload: false,
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
  },
});
