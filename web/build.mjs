// Bundles web/src/*.ts entry points into web/static/dist/ (gitignored).
// Pages load ES modules (shared chunks split out); the embeddable widget is a classic
// script (IIFE) so a plain <script src> tag works on any site, and it imports its
// heavier parts (call UI, rrweb capture) lazily as ES modules from the same directory.
import * as esbuild from "esbuild";
import { mkdirSync, writeFileSync } from "node:fs";

const common = {
  outdir: "static/dist",
  bundle: true,
  target: ["chrome110", "firefox110", "safari16"],
  minify: true,
  sourcemap: true,
  metafile: true,
  logLevel: "info",
  // Slot modules inject their CSS themselves (the widget renders in a shadow root).
  loader: { ".css": "text" },
};

// ES module entries for pages (and modules the widget imports on demand).
const moduleEntries = {
  landing: "src/landing.ts",
  chat: "src/chat/page.ts",
  join: "src/join.ts",
  admin: "src/admin/index.ts",
  demo: "src/demo.ts",
  console: "src/console/index.ts",
  call: "src/call-page.ts",
  "cobrowse-customer": "src/cobrowse/customer.ts",
  "cobrowse-viewer": "src/cobrowse/viewer.ts",
  "cobrowse-replay": "src/cobrowse/replay.ts",
  // The co-browse test and replay pages (no inline script: CSP script-src 'self').
  "cobrowse-demo-page": "src/cobrowse/pages/demo-customer.ts",
  "cobrowse-viewer-page": "src/cobrowse/pages/viewer.ts",
  "cobrowse-replay-page": "src/cobrowse/pages/replay.ts",
  // Slot modules: the call UI and co-browse parts wrapped for the widget and console.
  "call-slot": "src/slots/call-slot.ts",
  "chat-slot": "src/chat/index.ts",
  dashboard: "src/dashboard/index.ts",
  observe: "src/observe.ts",
};

// Classic-script entries.
const scriptEntries = {
  widget: "src/widget/index.ts",
};

const builds = [
  { ...common, entryPoints: moduleEntries, format: "esm", splitting: true, chunkNames: "chunks/[name]-[hash]" },
  { ...common, entryPoints: scriptEntries, format: "iife" },
];

mkdirSync("static/dist", { recursive: true });
if (process.argv.includes("--watch")) {
  for (const options of builds) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
  }
} else {
  const metas = await Promise.all(builds.map((options) => esbuild.build(options)));
  const merged = { inputs: {}, outputs: {} };
  for (const { metafile } of metas) {
    Object.assign(merged.inputs, metafile.inputs);
    Object.assign(merged.outputs, metafile.outputs);
  }
  writeFileSync("static/dist/meta.json", JSON.stringify(merged));
}
