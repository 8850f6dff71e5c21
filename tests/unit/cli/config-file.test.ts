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
    ["a list at the top", "- mode: audit\n", /must hold a YAML mapping of settings/],
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
    expect(JSON.parse(a.stdout)).toMatchObject({ valid: true, bindings: 2, destinations: 2, policies: 0 });
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

describe("keyrotor config diff OLD NEW", () => {
  const central = (readers: string[]) =>
    `      - type: secrets-manager\n        account: "222233334444"\n        name: keyrotor/central/{accountId}/{userName}\n        readers: [${readers.map((r) => `"${r}"`).join(", ")}]\n`;
  const file = (rotate: number, bindings: string, readerPrincipals: string[] = []) =>
    `senderEmail: keyrotor@example.com\nrotateAfterDays: ${rotate}\ndeliveryKmsKeyId: alias/d\nreaderPrincipals: [${readerPrincipals.map((r) => `"${r}"`).join(", ")}]\ndeliveries:\n${bindings}`;
  const DEPLOYER = "arn:aws:iam::222233334444:role/deployer";
  const AUDITOR = "arn:aws:iam::222233334444:role/auditor";
  const ci = (extra = "") =>
    `  - account: "111122223301"\n    user: ci-*\n    destinations:\n      - type: ssm\n        path: /keyrotor/ci/{userName}\n${extra}`;

  it("names each setting changed, each destination added or removed, and readers widened", async () => {
    // Prepare
    const old = write("old.yml", file(90, ci(central([DEPLOYER]))));
    const next = write(
      "new.yml",
      file(
        30,
        `  - account: "111122223301"\n    user: ci-*\n    destinations:\n${central([DEPLOYER, AUDITOR])}`,
        [AUDITOR],
      ),
    );

    // Act
    const { code, stdout } = await cli("config", "diff", old, next);

    // Assess
    expect(code).toBe(0);
    const lines = stdout.split("\n");
    expect(lines).toContain("~ rotateAfterDays: 90 -> 30");
    expect(lines).toContain(`+ readers of every secret (readerPrincipals): ${AUDITOR} (WIDENED)`);
    expect(
      lines.some((l) => l.startsWith("- account 111122223301, user ci-*: SSM") && l.includes("REMOVED")),
    ).toBe(true);
    expect(lines.some((l) => l.startsWith("~ account 111122223301, user ci-*: Secrets Manager"))).toBe(true);
    expect(lines.some((l) => l.includes(`${AUDITOR} (WIDENED)`) && l.includes("Secrets Manager"))).toBe(true);
  });

  it("says so when nothing changes, however the file is written", async () => {
    const a = write("same-a.yml", file(90, ci()));
    const b = write(
      "same-b.json",
      JSON.stringify({
        deliveries: [
          {
            destinations: [{ path: "/keyrotor/ci/{userName}", type: "ssm" }],
            user: "ci-*",
            account: "111122223301",
          },
        ],
        readerPrincipals: [],
        deliveryKmsKeyId: "alias/d",
        rotateAfterDays: 90,
        senderEmail: "keyrotor@example.com",
      }),
    );

    const { code, stdout } = await cli("config", "diff", a, b);

    expect(code).toBe(0);
    expect(stdout).toBe("no change");
  });

  it("refuses an invalid file with exit 2, naming it", async () => {
    const a = write("ok.yml", file(90, ci()));
    const bad = write("bad-new.yml", "rotateAfterDays: many\n");

    const { code, stderr } = await cli("config", "diff", a, bad);

    expect(code).toBe(2);
    expect(stderr).toContain("bad-new.yml");
    expect(stderr).toContain("rotateAfterDays");
  });
});
