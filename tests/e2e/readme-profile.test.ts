import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { CreateAccessKeyCommand, CreateUserCommand } from "@aws-sdk/client-iam";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { adminClients } from "../../scripts/lib/emulator";
import { MOTO_CREDENTIALS, type Moto, startMoto } from "../../scripts/lib/moto";

const exec = promisify(execFile);
/** Where the README says to put the path of the clone. */
const PLACEHOLDER = "/path/to/keyrotor";

let moto: Moto;
let dir: string;

interface Profile {
  readonly name: string;
  /** The profile's lines, with the command made runnable from this clone. */
  readonly block: string;
  readonly region: string;
}

const BIN = resolve("bin/keyrotor.mjs");

function profileOf(block: string): Profile {
  return {
    block,
    name: block.match(/^\[profile ([^\]]+)\]/)?.[1] ?? "",
    region: block.match(/--region (\S+)/)?.[1] ?? "",
  };
}

/** The README's credential_process profile, exactly as a reader copies it, in this clone. */
function readmeProfile(): Profile {
  const readme = readFileSync("README.md", "utf8");
  const block = readme.match(/```ini\n(\[profile [^\]\n]+\]\ncredential_process = [^\n]+\n[\s\S]*?)```/)?.[1];
  if (!block) throw new Error("README.md has no ```ini block with a credential_process profile");
  expect(block.split(PLACEHOLDER)).toHaveLength(2);
  return profileOf(block.replace(`node ${PLACEHOLDER}/bin/keyrotor.mjs`, `node ${BIN}`));
}

/** The profile `keyrotor credential-process --help` shows, with keyrotor on the PATH as it assumes. */
async function helpProfile(): Promise<Profile> {
  const help = (await exec(process.execPath, [BIN, "credential-process", "--help"])).stdout;
  const lines = help.match(/In ~\/\.aws\/config:\n((?: {2}\S.*\n)+)/)?.[1];
  if (!lines) throw new Error("credential-process --help shows no profile");
  const block = lines.replace(/^ {2}/gm, "");
  expect(block).toContain("= keyrotor credential-process ");
  return profileOf(block.replace("= keyrotor credential-process ", `= node ${BIN} credential-process `));
}

beforeAll(async () => {
  moto = await startMoto();
  dir = mkdtempSync(join(tmpdir(), "keyrotor-readme-profile-"));
}, 60_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the credential_process profiles keyrotor shows", () => {
  it.each([
    ["README.md", async () => readmeProfile(), "deploy-bot"],
    ["credential-process --help", helpProfile, "app"],
  ] as const)(
    "%s: works as written with the AWS CLI v1, which calls STS as the secret's user",
    async (_, read, user) => {
      // Prepare: the user and its secret in the profile's region, as keyrotor stores them.
      const { name, block, region } = await read();
      expect(name).toBe(user);
      vi.stubEnv("AWS_ENDPOINT_URL", moto.endpoint);
      const { iam } = adminClients();
      await iam.send(new CreateUserCommand({ UserName: name }));
      const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey;
      await new SecretsManagerClient({ region, credentials: MOTO_CREDENTIALS }).send(
        new CreateSecretCommand({
          Name: `keyrotor/${name}`,
          SecretString: JSON.stringify({
            AccessKeyId: key?.AccessKeyId,
            SecretAccessKey: key?.SecretAccessKey,
            UserName: name,
            CreateDate: key?.CreateDate?.toISOString(),
          }),
        }),
      );
      const config = join(dir, `config-${name}`);
      writeFileSync(config, block);
      // Only what the profile says gives the region: nothing in the environment does.
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        AWS_CONFIG_FILE: config,
        AWS_SHARED_CREDENTIALS_FILE: join(dir, "no-credentials"),
        AWS_ENDPOINT_URL: moto.endpoint,
        // keyrotor credential-process's own credentials, which read the secret.
        AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
      };
      for (const v of [
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
      ])
        delete env[v];
      // Act
      const version = (await exec("aws", ["--version"])).stdout;
      const result = await exec(
        "aws",
        ["sts", "get-caller-identity", "--profile", name, "--endpoint-url", moto.endpoint],
        { env, timeout: 30_000 },
      ).catch((error: { code: number; stderr: string; stdout: string }) => error);
      // Assess
      expect(version).toMatch(/^aws-cli\/1\./);
      expect(result.stderr).toBe("");
      expect(JSON.parse(result.stdout).Arn).toMatch(new RegExp(`:user/${name}$`));
    },
  );
});
