import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { keyrotorLoop, readProfiles } from "../../../cli/aws/profiles";

/** The profiles of a config and a credentials file written to a fresh directory. */
function profilesOf(config: string, credentials = "") {
  const dir = mkdtempSync(join(tmpdir(), "keyrotor-profiles-"));
  writeFileSync(join(dir, "config"), config);
  writeFileSync(join(dir, "credentials"), credentials);
  return readProfiles({
    HOME: dir,
    AWS_CONFIG_FILE: join(dir, "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
  });
}

const CONFIG = `
[default]
region = eu-west-1

# the consumer: its key comes from keyrotor
[profile consumer]
credential_process = keyrotor credential-process --secret-id keyrotor/app
region = us-east-1

[profile admin]
role_arn = arn:aws:iam::123456789012:role/Admin
source_profile = consumer

[profile other]
credential_process = /usr/local/bin/vault-creds app

[sso-session corp]
sso_region = us-east-1
`;

describe("readProfiles", () => {
  it("reads [default], [profile NAME] and credentials-file sections, and nothing else", () => {
    // Act
    const profiles = profilesOf(CONFIG, "[reader]\naws_access_key_id = AKIA\naws_secret_access_key = x\n");
    // Assess
    expect([...profiles.keys()].sort()).toEqual(["admin", "consumer", "default", "other", "reader"]);
    expect(profiles.get("consumer")?.region).toBe("us-east-1");
    expect(profiles.get("reader")?.aws_access_key_id).toBe("AKIA");
  });

  it("finds no profile when the files do not exist", () => {
    expect(readProfiles({ HOME: join(tmpdir(), "keyrotor-no-such-home") }).size).toBe(0);
  });
});

describe("keyrotorLoop", () => {
  it("names a profile whose credential_process runs keyrotor credential-process", () => {
    expect(keyrotorLoop("consumer", profilesOf(CONFIG))).toMatch(
      /^profile "consumer" runs keyrotor credential-process as its credential_process$/,
    );
  });

  it("follows source_profile", () => {
    expect(keyrotorLoop("admin", profilesOf(CONFIG))).toMatch(
      /^profile "consumer" \(the source_profile of profile "admin"\) runs keyrotor credential-process/,
    );
  });

  it.each(["default", "other", "missing"])("finds no loop through profile %s", (name) => {
    expect(keyrotorLoop(name, profilesOf(CONFIG))).toBeNull();
  });

  it("stops on a source_profile cycle", () => {
    const profiles = profilesOf("[profile a]\nsource_profile = b\n[profile b]\nsource_profile = a\n");
    expect(keyrotorLoop("a", profiles)).toBeNull();
  });
});
