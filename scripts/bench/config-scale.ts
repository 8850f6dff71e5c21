/**
 * The configuration file at organization scale: how long a 2,000-binding file with 500 reader rules
 * takes to read and validate (as `keyrotor config validate` and the package step do), in-process,
 * median of five.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { readSettingsFile } from "../../cli/config-file";
import { parseConfig } from "../../shared/config";
import { largeConfiguration } from "../lib/large-config";

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

export interface ConfigScale {
  readonly bindings: number;
  readonly readerRules: number;
  readonly fileKB: number;
  readonly validateMs: number;
}

/** Reads and validates a generated file of `bindings` bindings and `rules` reader rules. */
export function configScale(bindings = 2_000, rules = 500): ConfigScale {
  const dir = mkdtempSync(join(tmpdir(), "keyrotor-config-bench-"));
  try {
    const path = join(dir, "keyrotor.yml");
    const text = stringify({ ...largeConfiguration(bindings, rules), deliveryKmsKeyId: "alias/keyrotor" });
    writeFileSync(path, text);
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      parseConfig(readSettingsFile(path));
      samples.push(performance.now() - started);
    }
    return {
      bindings,
      readerRules: rules,
      fileKB: Math.round(Buffer.byteLength(text) / 1024),
      validateMs: Math.round(median(samples)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The file `bundles` packages for the cold start with a large configuration, inside the service. */
export function writeLargeConfig(serviceDir: string): { path: string; dispose: () => void } {
  const dir = mkdtempSync(join(serviceDir, ".keyrotor-test-"));
  const path = join(dir, "keyrotor.yml");
  writeFileSync(path, stringify(largeConfiguration(2_000, 500)));
  return { path, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
