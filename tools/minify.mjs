// Minify Lienzo's own browser modules (static/js/*.js) with terser, for the server to send
// instead of the commented sources (facilitator/assets.py). The URLs stay the same; the
// manifest records each source's SHA-256, so a module edited since is sent as its source.
//   node tools/minify.mjs static/js build/min
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { minify } from "terser";

const [source = "static/js", target = "build/min"] = process.argv.slice(2);
const folder = join(target, "js");
mkdirSync(folder, { recursive: true });
const manifest = {};
for (const name of readdirSync(source).filter((n) => n.endsWith(".js")).sort()) {
  const code = readFileSync(join(source, name));
  const result = await minify(code.toString("utf8"), { module: true, compress: true, mangle: true, format: { comments: false } });
  writeFileSync(join(folder, name), result.code);
  manifest[`js/${name}`] = createHash("sha256").update(code).digest("hex");
}
writeFileSync(join(target, "manifest.json"), JSON.stringify(manifest, null, 1));
console.log(`minified ${Object.keys(manifest).length} modules into ${folder}`);
