// Bundles web/src/*.ts entry points into web/static/dist/ (gitignored).
import * as esbuild from "esbuild";
import { mkdirSync, writeFileSync } from "node:fs";

const entryPoints = {
  landing: "src/landing.ts",
  chat: "src/chat/page.ts",
  join: "src/join.ts",
  admin: "src/admin/index.ts",
};

const options = {
  entryPoints,
  outdir: "static/dist",
  bundle: true,
  format: "esm",
  target: ["chrome110", "firefox110", "safari16"],
  minify: true,
  sourcemap: true,
  metafile: true,
  logLevel: "info",
};

mkdirSync("static/dist", { recursive: true });
if (process.argv.includes("--watch")) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  const result = await esbuild.build(options);
  writeFileSync("static/dist/meta.json", JSON.stringify(result.metafile));
}
