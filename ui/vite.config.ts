/**
 * Builds the web console (ui/) into dist/ui/, served by tickd at /ui/ (src/server/console/).
 * Everything is bundled: no CDN, no fonts or scripts fetched at run time.
 */
import { fileURLToPath } from "node:url";
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/ui/",
  plugins: [preact()],
  logLevel: "warn",
  build: {
    outDir: fileURLToPath(new URL("../dist/ui", import.meta.url)),
    emptyOutDir: true,
    // Inline data: URLs would need a looser Content-Security-Policy.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
