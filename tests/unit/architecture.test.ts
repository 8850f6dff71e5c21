import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { SETTING_NAMES } from "../../shared/config";
import { defaultParams } from "./policy/templates";

/**
 * The dependency rules of docs/architecture.md ("Folders and what they may import"), read from the
 * import lines of the source files themselves.
 */

const ROOT = resolve(__dirname, "../..");

/** Every TypeScript file under `dir` (repo-relative, `/`-separated). */
function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (abs: string) => {
    for (const entry of readdirSync(abs)) {
      const path = join(abs, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|mts|cts)$/.test(entry) && !entry.endsWith(".d.ts")) found.push(path);
    }
  };
  walk(join(ROOT, dir));
  return found.map((abs) => relative(ROOT, abs).split("\\").join("/")).sort();
}

/** The repo files a source file imports (static, type-only, re-exports and dynamic `import()`). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const targets = new Set<string>();
  for (const [, spec] of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*["']([^"']+)["']/g)) {
    if (!spec?.startsWith(".")) continue;
    const base = resolve(ROOT, dirname(file), spec);
    const hit = [`${base}.ts`, join(base, "index.ts"), base].find(
      (p) => existsSync(p) && statSync(p).isFile(),
    );
    if (hit) targets.add(relative(ROOT, hit).split("\\").join("/"));
  }
  return [...targets].sort();
}

type Graph = ReadonlyMap<string, readonly string[]>;

function graphOf(dir: string): Graph {
  return new Map(sourceFiles(dir).map((file) => [file, importsOf(file)]));
}

/** The import cycles among the graph's files: each strongly connected group of two or more (Tarjan). */
function cyclesOf(graph: Graph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string) => {
    index.set(file, counter);
    low.set(file, counter);
    counter++;
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const group: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop();
      if (member === undefined) break;
      onStack.delete(member);
      group.push(member);
    } while (member !== file);
    if (group.length > 1) cycles.push(group.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

/** Every file `file` imports, directly or through the files it imports. */
function reachableFrom(graph: Graph, file: string): Set<string> {
  const reached = new Set<string>();
  const next = [...(graph.get(file) ?? [])];
  for (let target = next.pop(); target !== undefined; target = next.pop()) {
    if (reached.has(target)) continue;
    reached.add(target);
    next.push(...(graph.get(target) ?? []));
  }
  return reached;
}

/** `from -> to` for every import of a file matching `from` that reaches a file matching none of `allowed`. */
function offenders(graph: Graph, from: RegExp, allowed: readonly RegExp[]): string[] {
  return [...graph].flatMap(([file, targets]) =>
    from.test(file)
      ? targets.filter((t) => !allowed.some((ok) => ok.test(t))).map((t) => `${file} -> ${t}`)
      : [],
  );
}

describe("architecture: dependencies point one way", () => {
  const shared = graphOf("shared");

  it("the cycle finder finds a cycle when there is one", () => {
    // Prepare
    const graph: Graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", ["a.ts"]],
    ]);

    // Act
    const cycles = cyclesOf(graph);

    // Assess
    expect(cycles).toEqual([["a.ts", "b.ts", "c.ts"]]);
  });

  it("no import cycle among the files under shared/", () => {
    // Prepare: the graph above, read from every file under shared/

    // Act
    const cycles = cyclesOf(shared);

    // Assess
    expect(shared.size).toBeGreaterThan(40);
    expect(cycles).toEqual([]);
  });

  it("no import cycle among the files under cli/ and functions/, type imports included", () => {
    // Prepare
    const graph: Graph = new Map([...graphOf("cli"), ...graphOf("functions")]);

    // Act
    const cycles = cyclesOf(graph);

    // Assess
    expect(graph.size).toBeGreaterThan(30);
    expect(cycles).toEqual([]);
  });

  it("shared/ imports nothing from functions/, cli/, scripts/ or tests/", () => {
    // Act
    const outside = offenders(shared, /^shared\//, [/^shared\//]);

    // Assess
    expect(outside).toEqual([]);
  });

  it("shared/lifecycle (the pure key policy) imports only itself and shared/errors.ts", () => {
    // Act
    const found = offenders(shared, /^shared\/lifecycle\//, [/^shared\/lifecycle\//, /^shared\/errors\.ts$/]);

    // Assess
    expect(found).toEqual([]);
  });

  it("the shared base (shared/*.ts) imports only the base, the pure lifecycle and the destinations', policies', channels' and events' schemas", () => {
    // Act: the configuration validates its `deliveries`, `policies`, `channels` and `lifecycleEvents` with their own schemas and rules.
    const found = offenders(shared, /^shared\/[^/]+\.ts$/, [
      /^shared\/[^/]+\.ts$/,
      /^shared\/lifecycle\//,
      /^shared\/destinations\/(schema|validate)\.ts$/,
      /^shared\/policies\/(schema|validate|fields)\.ts$/,
      /^shared\/channels\/config\.ts$/,
      /^shared\/events\/config\.ts$/,
    ]);

    // Assess
    expect(found).toEqual([]);
  });

  it("shared/destinations (the writers) import no AWS adapter and, of the use case, only a secret's ports, name and policy", () => {
    // Act
    const found = offenders(shared, /^shared\/destinations\//, [
      /^shared\/destinations\//,
      /^shared\/[^/]+\.ts$/,
      /^shared\/rotation\/(ports|secret-name|secret-policy)\.ts$/,
    ]);

    // Assess
    expect(found).toEqual([]);
  });

  it("shared/compliance and shared/scheduling do not import the rotation use case", () => {
    // Act
    const found = offenders(shared, /^shared\/(compliance|scheduling)\//, [/^shared\/(?!rotation\/)/]);

    // Assess
    expect(found).toEqual([]);
  });

  it("serverless.yml holds no setting's default: the schema is the one copy", () => {
    // Act: the settings' names among serverless.yml's param defaults
    const copied = SETTING_NAMES.filter((name) => name in defaultParams);

    // Assess
    expect(copied).toEqual([]);
  });

  it("shared/rotation reaches neither shared/notices nor shared/jobs, directly or through other files", () => {
    // Prepare: the use case returns its report; shared/jobs/rotate-job.ts hands it to the notices.
    const rotation = [...shared.keys()].filter((f) => f.startsWith("shared/rotation/"));

    // Act
    const found = rotation.flatMap((file) =>
      [...reachableFrom(shared, file)]
        .filter((t) => /^shared\/(notices|jobs)\//.test(t))
        .map((t) => `${file} -> ${t}`),
    );

    // Assess
    expect(rotation.length).toBeGreaterThan(10);
    expect(found).toEqual([]);
  });

  it("the reach finder follows imports through other files", () => {
    // Prepare
    const graph: Graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", []],
      ["d.ts", ["a.ts"]],
    ]);

    // Act
    const reached = reachableFrom(graph, "a.ts");

    // Assess
    expect([...reached].sort()).toEqual(["b.ts", "c.ts"]);
  });

  it("scripts/ (the demo and the bench) never imports tests/: what both need lives in scripts/lib", () => {
    // Prepare
    const files = readdirSync(join(ROOT, "scripts"), { recursive: true, encoding: "utf8" }).filter((f) =>
      f.endsWith(".ts"),
    );

    // Act
    const found = files.filter((f) =>
      /from "(\.\.\/)+tests\//.test(readFileSync(join(ROOT, "scripts", f), "utf8")),
    );

    // Assess
    expect(files.length).toBeGreaterThan(5);
    expect(found).toEqual([]);
  });
});
