// Bundles the dashboard (src/) into <out>/index.html, app.js and app.css with esbuild, resolving
// the front-end libraries from <node_modules> (npm ci's, in the build folder).
// Usage: node build.mjs <src dir> <out dir> <node_modules dir>
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const [src, out, modules] = process.argv.slice(2);
if (!src || !out || !modules) {
  console.error("usage: node build.mjs <src dir> <out dir> <node_modules dir>");
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(modules), "x.js"));
const esbuild = require("esbuild");

mkdirSync(out, { recursive: true });
await esbuild.build({
  entryPoints: { app: path.join(src, "main.js") },
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2020"],
  outdir: out,
  nodePaths: [path.resolve(modules)],
  legalComments: "eof",
  logLevel: "warning",
});
copyFileSync(path.join(src, "index.html"), path.join(out, "index.html"));
