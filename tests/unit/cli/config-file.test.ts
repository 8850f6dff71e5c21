import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCliConfig } from "../../../cli/config";
import { runCaptured } from "../../../cli/io";
import { SETTING_NAMES } from "../../../shared/config";

const dir = mkdtempSync(join(tmpdir(), "keyrotor-config-"));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const cli = (...args: string[]) => runCaptured(args, {});

const binding = (n: number, field = "path") =>
  `  - account: "1111222233${String(n).padStart(2, "0")}"\n    user: ci-${n}\n    destinations:\n      - type: ssm\n        ${field}: /keyrotor/ci/{userName}\n`;

const YAML = `# reviewed in git
mode: enforce
senderEmail: keyrotor@example.com
rotateAfterDays: 30
deactivateAfterDays: 35
deleteAfterDays: 40
deliveryKmsKeyId: alias/keyrotor-delivery
deliveries:
${binding(1)}${binding(2)}`;

describe("a YAML configuration file", () => {
  it("is what plan and run read with --config, like a JSON one", () => {
    // Act
    const config = loadCliConfig({ configPath: write("keyrotor.yml", YAML), env: {} });

    // Assess
    expect(config).toMatchObject({ mode: "enforce", rotateAfterDays: 30, deleteAfterDays: 40 });
    expect(config.deliveries.map((b) => b.user)).toEqual(["ci-1", "ci-2"]);
  });

  it("keeps YAML 1.1's booleans as text: `mode: no` is refused by name, not read as false", () => {
    const path = write("no.yaml", "mode: no\n");

    expect(() => loadCliConfig({ configPath: path, env: {} })).toThrow(/mode/);
  });

  it.each([
    ["a key given twice", "mode: audit\nmode: enforce\n", /not valid YAML: .*(unique|duplicate)/i],
    ["a list at the top", "- mode: audit\n", /must hold a YAML object/],
    [
      "aliases that would blow up",
      `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [${Array(20).fill("*a").join(", ")}]\nc: [${Array(20).fill("*b").join(", ")}]\n`,
      /not valid YAML/,
    ],
  ])("refuses %s, naming the file", (_, text, message) => {
    const path = write("bad.yml", text);

    expect(() => loadCliConfig({ configPath: path, env: {} })).toThrow(message);
  });
});

describe("keyrotor config validate", () => {
  it("exits 0 with the file's digest, the same for the same settings in JSON in another order", async () => {
    // Prepare
    const yaml = write("a.yml", YAML);
    const parsed = loadCliConfig({ configPath: yaml, env: {} });
    const json = write(
      "b.json",
      JSON.stringify({
        deliveries: parsed.deliveries.map((b) => ({
          destinations: b.destinations,
          user: b.user,
          account: b.account,
        })),
        deliveryKmsKeyId: "alias/keyrotor-delivery",
        deleteAfterDays: 40,
        deactivateAfterDays: 35,
        rotateAfterDays: 30,
        senderEmail: "keyrotor@example.com",
        mode: "enforce",
      }),
    );

    // Act
    const a = await cli("config", "validate", "--config", yaml, "--json");
    const b = await cli("config", "validate", "--config", json, "--json");

    // Assess
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ valid: true, bindings: 2, destinations: 2 });
    expect(JSON.parse(a.stdout).digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(JSON.parse(b.stdout).digest).toBe(JSON.parse(a.stdout).digest);
  });

  it("a binding error deep in a 2,000-binding file: exit 2, naming its path", async () => {
    // Prepare
    const bindings = Array.from({ length: 2_000 }, (_, n) => binding(n, n === 1_733 ? "pth" : "path")).join(
      "",
    );
    const path = write("big.yml", `${YAML.split("deliveries:")[0]}deliveries:\n${bindings}`);

    // Act
    const { code, stderr } = await cli("config", "validate", "--config", path);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain(path);
    expect(stderr).toContain('deliveries[1733].destinations[0]: unknown field "pth"');
  });

  it("ignores KEYROTOR_* variables: the file alone is checked", async () => {
    const path = write("plain.yml", "mode: enforce\n");

    const { code } = await runCaptured(["config", "validate", "--config", path], {
      KEYROTOR_MODE: "nonsense",
    });

    expect(code).toBe(0);
  });
});

describe("keyrotor config schema", () => {
  it("prints a JSON Schema naming every setting and refusing unknown ones", async () => {
    // Act
    const { code, stdout } = await cli("config", "schema");

    // Assess
    expect(code).toBe(0);
    const schema = JSON.parse(stdout);
    expect(schema.$schema).toContain("json-schema.org");
    expect(Object.keys(schema.properties).sort()).toEqual([...SETTING_NAMES].sort());
    expect(schema.additionalProperties).toBe(false);
    expect(JSON.stringify(schema.properties.deliveries)).toContain('"github"');
  });
});
