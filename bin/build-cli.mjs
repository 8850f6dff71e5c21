#!/usr/bin/env node
// Builds the keyrotor command: cli/entry.ts and all it imports, the AWS SDK included, bundled by
// esbuild into plain JavaScript under dist/cli/, which bin/keyrotor.mjs runs. The result needs no
// node_modules at all, so an install with production dependencies only (or none) runs it.
//
//   node bin/build-cli.mjs [--outdir DIR] [--if-possible]
//
// --if-possible (the prepare script) turns a missing esbuild or missing sources, as in a production-only
// install, into a note instead of a failure: the command then runs a build shipped beside it.
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const ifPossible = args.includes("--if-possible");
const outdirAt = args.indexOf("--outdir");
const outdir = outdirAt >= 0 ? resolve(args[outdirAt + 1] ?? "") : join(root, "dist", "cli");
const entry = join(root, "cli", "entry.ts");
const built = join(outdir, "keyrotor.mjs");
const quickEntry = join(root, "cli", "aws", "quick-entry.ts");

function skip(reason) {
  const shipped = existsSync(built) ? `; ${relative(process.cwd(), built)} is used as it is` : "";
  process.stderr.write(`keyrotor: not building the command: ${reason}${shipped}\n`);
  process.exit(ifPossible ? 0 : 2);
}

if (!existsSync(entry)) skip("its sources (cli/) are not here");
let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  skip("esbuild is not installed (it is a dev dependency: run npm ci without --omit=dev)");
}

rmSync(outdir, { recursive: true, force: true });
await esbuild.build({
  entryPoints: { keyrotor: entry },
  outdir,
  bundle: true,
  // Commands load their AWS clients on demand: --help and credential-process stay small and quick.
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // The SDK's ES module builds tree-shake far better than its CommonJS ones.
  mainFields: ["module", "main"],
  outExtension: { ".js": ".mjs" },
  chunkNames: "chunks/[name]-[hash]",
  minify: true,
  keepNames: true,
  legalComments: "none",
  logLevel: "warning",
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
});
// credential-process's quick path, alone in one file with nothing shared with the command's chunks:
// bin/keyrotor.mjs runs it first, and a credential refresh costs little more than Node's own start.
await esbuild.build({
  entryPoints: { "credential-process": quickEntry },
  outdir,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outExtension: { ".js": ".mjs" },
  minify: true,
  keepNames: true,
  legalComments: "none",
  logLevel: "warning",
});
const sizeOf = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce(
    (sum, e) => sum + (e.isDirectory() ? sizeOf(join(dir, e.name)) : statSync(join(dir, e.name)).size),
    0,
  );
const size = sizeOf(outdir);
process.stderr.write(
  `keyrotor: built ${relative(process.cwd(), built)} (${Math.round(size / 1024)} KiB in all)\n`,
);
