#!/usr/bin/env node
// The keyrotor command: runs the JavaScript that `npm run build:cli` (bin/build-cli.mjs) bundles from
// cli/ into dist/cli/. Needs no node_modules and no TypeScript tooling.
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const built = join(root, "dist", "cli", "keyrotor.mjs");
const argv = process.argv.slice(2);

/**
 * credential-process runs at every credential refresh of the SDKs that use it: its quick entry, a
 * small file of its own, answers static-key set-ups before anything of the full command is loaded,
 * and skips the walk over the sources, whose warning on stderr is seldom seen.
 */
async function answeredQuickly() {
  const quick = join(root, "dist", "cli", "credential-process.mjs");
  if (argv[0] !== "credential-process" || !existsSync(quick)) return false;
  const { runQuicklyAsProcess } = await import(pathToFileURL(quick).href);
  return runQuicklyAsProcess(argv);
}

/** In a source checkout, the newest source file changed after the build, if any. */
function newerSource(since) {
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        const found = walk(path);
        if (found) return found;
      } else if (entry.name.endsWith(".ts") && statSync(path).mtimeMs > since) return path;
    }
    return undefined;
  };
  const sources = ["cli", "shared"].map((d) => join(root, d)).filter((d) => existsSync(d));
  for (const dir of sources) {
    const found = walk(dir);
    if (found) return found;
  }
  return undefined;
}

async function runFully() {
  if (!existsSync(built)) {
    process.stderr.write(
      "keyrotor: the command is not built (dist/cli/keyrotor.mjs is missing): run `npm run build:cli` " +
        "in a checkout with its dev dependencies, or install a package that ships dist/cli/ (npm pack)\n",
    );
    process.exit(2);
  }
  const stale = argv[0] === "credential-process" ? undefined : newerSource(statSync(built).mtimeMs);
  if (stale) {
    process.stderr.write(
      `keyrotor: warning: ${stale.slice(root.length + 1)} changed after the last build; ` +
        "run `npm run build:cli` to run the current code\n",
    );
  }
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const { runAsProcess } = await import(pathToFileURL(built).href);
  await runAsProcess(argv);
}

if (!(await answeredQuickly())) await runFully();
