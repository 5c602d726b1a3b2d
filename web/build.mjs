// Bundles the dashboard (src/) into <out>/index.html, app.js and app.css (and a .gz of each)
// with esbuild, resolving
// the front-end libraries from <node_modules> (npm ci's, in the build folder).
// Usage: node build.mjs <src dir> <out dir> <node_modules dir>
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import zlib from "node:zlib";

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
// Each file also gzipped, for browsers that accept it (the daemon serves whichever fits).
for (const f of ["index.html", "app.js", "app.css"]) {
  const data = readFileSync(path.join(out, f));
  writeFileSync(path.join(out, `${f}.gz`), zlib.gzipSync(data, { level: 9 }));
}
