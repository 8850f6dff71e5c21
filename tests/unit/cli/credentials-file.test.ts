import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type KeyEdit,
  otherCredentialSource,
  profileNameProblem,
  type StaticKey,
  withStaticKey,
} from "../../../cli/credentials-file";
import { EnvironmentError } from "../../../cli/errors";
import { Redacted } from "../../../shared/redacted";

const SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYNEWSECRET";
const KEY: StaticKey = { accessKeyId: "AKIANEWKEY0000000001", secretAccessKey: new Redacted(SECRET) };
const NEW_LINES = `aws_access_key_id = AKIANEWKEY0000000001\naws_secret_access_key = ${SECRET}\n`;

/** The new text of an edit that must change the file. */
function edited(text: string, profile = "app", key = KEY): string {
  const edit = withStaticKey(text, profile, key);
  if (edit.kind !== "changed") throw new Error("expected a change");
  return edit.text;
}

/** The EnvironmentError an edit raises. */
function refusal(text: string, profile = "app", key = KEY): EnvironmentError {
  try {
    withStaticKey(text, profile, key);
  } catch (error) {
    if (error instanceof EnvironmentError) return error;
    throw error;
  }
  throw new Error("the edit was accepted");
}

describe("withStaticKey", () => {
  it.each([
    ["an empty file", "", `[app]\n${NEW_LINES}`],
    [
      "a file with another profile",
      "[default]\nregion = x\n",
      `[default]\nregion = x\n\n[app]\n${NEW_LINES}`,
    ],
    [
      "a file ending without a newline",
      "[default]\nregion = x",
      `[default]\nregion = x\n\n[app]\n${NEW_LINES}`,
    ],
    [
      "a file ending with a blank line",
      "[default]\nregion = x\n\n",
      `[default]\nregion = x\n\n[app]\n${NEW_LINES}`,
    ],
    [
      "[profile app], which is not profile app in the credentials file",
      "[profile app]\naws_access_key_id = AKIAOLD\n",
      `[profile app]\naws_access_key_id = AKIAOLD\n\n[app]\n${NEW_LINES}`,
    ],
    ['[ app ], which the SDKs read as " app "', "[ app ]\nx = 1\n", `[ app ]\nx = 1\n\n[app]\n${NEW_LINES}`],
  ])("adds a section at the end of %s", (_, text, expected) => {
    expect(edited(text)).toBe(expected);
  });

  it("replaces the key in place and removes session settings, keeping every other byte", () => {
    // Prepare
    const text =
      "# my keys\n[default]\naws_access_key_id = AKIADEFAULT\n\n" +
      "[app]  ; the app's key\n; pulled by keyrotor\naws_access_key_id = AKIAOLDKEY0000000001\nregion = eu-west-1\n" +
      "aws_secret_access_key = oldsecret\naws_session_token = tok\naws_security_token = tok\n" +
      "mfa_serial = arn:aws:iam::1:mfa/u\n\n# next\n[other]\nx=1";
    // Act
    const edit = withStaticKey(text, "app", KEY);
    // Assess
    expect(edit).toEqual({
      kind: "changed",
      text:
        "# my keys\n[default]\naws_access_key_id = AKIADEFAULT\n\n" +
        "[app]  ; the app's key\n; pulled by keyrotor\naws_access_key_id = AKIANEWKEY0000000001\nregion = eu-west-1\n" +
        `aws_secret_access_key = ${SECRET}\n` +
        "mfa_serial = arn:aws:iam::1:mfa/u\n\n# next\n[other]\nx=1",
      previousKeyId: "AKIAOLDKEY0000000001",
      removed: ["aws_session_token", "aws_security_token"],
    } satisfies KeyEdit);
  });

  it("names no previous key id when the old line does not hold one", () => {
    // Act
    const edit = withStaticKey("[app]\naws_access_key_id = wJalrXUtnFEMI/K7MDENG\n", "app", KEY);
    // Assess
    expect(edit).toMatchObject({ kind: "changed", removed: [] });
    expect(edit).not.toHaveProperty("previousKeyId");
  });

  it.each([
    [
      "after the section's last setting, before the comments of the next section",
      "[app]\nregion = x\n\n# work\n[work]\n",
      `[app]\nregion = x\n${NEW_LINES}\n# work\n[work]\n`,
    ],
    ["after a header that ends the file", "[a]\nx = 1\n[app]", `[a]\nx = 1\n[app]\n${NEW_LINES}`],
    [
      "keeping the spelling of a setting written name=value",
      "[app]\naws_access_key_id=AKIAOLD\n",
      `[app]\naws_access_key_id=AKIANEWKEY0000000001\naws_secret_access_key = ${SECRET}\n`,
    ],
    [
      "the canonical name for one spelled in capitals",
      "[app]\nAWS_ACCESS_KEY_ID = AKIAOLD\n",
      `[app]\n${NEW_LINES}`,
    ],
    [
      "once, removing a duplicate setting",
      "[app]\naws_access_key_id = A\naws_access_key_id = B\n",
      `[app]\n${NEW_LINES}`,
    ],
    [
      "removing a replaced value's continuation lines, keeping comments among them",
      "[app]\naws_session_token =\n  part1\n# note\n  part2\naws_access_key_id = old\n  more\nregion = x\n",
      `[app]\n# note\naws_access_key_id = AKIANEWKEY0000000001\nregion = x\naws_secret_access_key = ${SECRET}\n`,
    ],
    ["[app] followed by a comment", "[app] # mine\nx = 1\n", `[app] # mine\nx = 1\n${NEW_LINES}`],
    [
      "in a file with Windows line ends, ending its new lines the same way",
      "[a]\r\nx = 1\r\n\r\n[app]\r\nregion = x\r\n",
      `[a]\r\nx = 1\r\n\r\n[app]\r\nregion = x\r\n${NEW_LINES.replaceAll("\n", "\r\n")}`,
    ],
  ])("writes the key %s", (_, text, expected) => {
    expect(edited(text)).toBe(expected);
  });

  it("changes nothing when the profile holds exactly that key", () => {
    // Prepare
    const text = `[default]\nregion = x\n[app]\nregion = y\n${NEW_LINES}`;
    // Act
    const edit = withStaticKey(text, "app", KEY);
    // Assess
    expect(edit).toEqual({ kind: "unchanged" });
  });

  it.each([
    ["a session token", `[app]\n${NEW_LINES}aws_session_token = t\n`],
    ["a second key id", `[app]\n${NEW_LINES}aws_access_key_id = AKIANEWKEY0000000001\n`],
    [
      "a comment after the key id",
      `[app]\naws_access_key_id = AKIANEWKEY0000000001 # x\naws_secret_access_key = ${SECRET}\n`,
    ],
    ["another secret", "[app]\naws_access_key_id = AKIANEWKEY0000000001\naws_secret_access_key = old\n"],
  ])("rewrites a profile holding the key with %s", (_, text) => {
    expect(edited(text)).toMatch(
      /^\[app\]\naws_access_key_id = AKIANEWKEY0000000001\naws_secret_access_key = /,
    );
  });

  it.each([
    ["credential_process", "credential_process = /bin/get-creds --token hunter2"],
    ["role_arn", "role_arn = arn:aws:iam::1:role/r"],
    ["source_profile", "source_profile = base"],
    ["sso_session", "sso_session = corp"],
    ["web_identity_token_file", "web_identity_token_file = /var/run/token"],
  ])(
    "refuses a profile that gets its credentials with %s, naming the setting, not its value",
    (setting, line) => {
      // Act
      const error = refusal(`[app]\naws_access_key_id = AKIAOLD\n${line}\n`);
      // Assess
      expect(error.message).toContain(`has ${setting}`);
      expect(error.message).not.toContain(line.split(" = ")[1]);
    },
  );

  it("refuses a profile that is in the file twice", () => {
    expect(refusal("[app]\nx = 1\n[b]\n[app]\ny = 2\n").message).toMatch(/has \[app\] 2 times/);
  });

  it.each([
    [
      "a secret with a line break",
      { accessKeyId: "AKIANEWKEY0000000001", secretAccessKey: new Redacted(`${SECRET}\n[x]`) },
    ],
    [
      "a secret with a space",
      { accessKeyId: "AKIANEWKEY0000000001", secretAccessKey: new Redacted(`${SECRET} x`) },
    ],
    ["a key id that is not one", { accessKeyId: "AKIA\n[default]", secretAccessKey: new Redacted(SECRET) }],
  ])("refuses %s, without naming the secret", (_, key) => {
    // Act
    const error = refusal("", "app", key);
    // Assess
    expect(error.message).toMatch(/does not look like/);
    expect(error.message).not.toContain(SECRET);
  });
});

describe("otherCredentialSource", () => {
  it("finds the setting in the config file's [profile NAME] section only", () => {
    // Prepare
    const config =
      "[profile app]\nregion = x\nrole_arn = r\n[app]\ncredential_process = p\n[profile b]\nregion = x\n";
    // Act, Assess
    expect(otherCredentialSource(config, "profile app")).toBe("role_arn");
    expect(otherCredentialSource(config, "profile b")).toBeUndefined();
    expect(otherCredentialSource(config, "profile c")).toBeUndefined();
  });
});

describe("profileNameProblem", () => {
  it.each([
    ["profile app", /--profile app, not "profile app"/],
    ["my app", /white space/],
    ["a]b", /brackets/],
    ["#app", /leading #/],
    ["", /white space/],
    ["__proto__", /refused by the AWS SDK for JavaScript/],
  ])("refuses %j", (name, problem) => {
    expect(profileNameProblem(name)).toMatch(problem);
  });

  it.each([["app"], ["default"], ["ci.prod-2"], ["team/app@eu"]])("accepts %j", (name) => {
    expect(profileNameProblem(name)).toBeNull();
  });
});

/** A section's lines: settings (some of them the ones pull manages), comments, blank lines. */
const bodyArb = (keys: readonly string[]) =>
  fc.array(
    fc.oneof(
      fc
        .tuple(
          fc.constantFrom(...keys),
          fc.constantFrom(" = ", "=", " =  "),
          fc.stringMatching(/^[\w/+:.-]{0,12}$/),
        )
        .map(([k, sep, v]) => `${k}${sep}${v}`),
      fc.stringMatching(/^[#;][ \w[\]=]{0,12}$/),
      fc.constant(""),
    ),
    { maxLength: 6 },
  );
const OTHER_KEYS = [
  "region",
  "output",
  "mfa_serial",
  "aws_access_key_id",
  "aws_secret_access_key",
  "aws_session_token",
];
const MANAGED = /^\s*(aws_access_key_id|aws_secret_access_key|aws_session_token|aws_security_token)\s*=/i;
const sectionArb = fc
  .tuple(
    fc.stringMatching(/^[a-z][\w.-]{0,8}$/).filter((n) => n !== "app"),
    bodyArb(OTHER_KEYS),
  )
  .map(([name, body]) => [`[${name}]`, ...body]);
const fileArb = fc.record({
  preamble: bodyArb(["# top"]).map((lines) => lines.filter((l) => !l.includes("="))),
  before: fc.array(sectionArb, { maxLength: 3 }),
  target: fc.option(bodyArb([...OTHER_KEYS, "aws_security_token", "AWS_ACCESS_KEY_ID"]), { nil: undefined }),
  after: fc.array(sectionArb, { maxLength: 3 }),
  eol: fc.constantFrom("\n", "\r\n"),
  finalEol: fc.boolean(),
});
const keyArb = fc
  .tuple(fc.stringMatching(/^AKIA[A-Z0-9]{16}$/), fc.stringMatching(/^[\w/+]{40}$/))
  .map(([id, secret]): StaticKey => ({ accessKeyId: id, secretAccessKey: new Redacted(secret) }));

describe("withStaticKey, for any file", () => {
  it("changes only the managed settings of the target section, and reads back as the key", () => {
    fc.assert(
      fc.property(fileArb, keyArb, keyArb, (file, key, other) => {
        // Prepare
        const join = (lines: string[]) => lines.map((l) => `${l}${file.eol}`).join("");
        const head = join([...file.preamble, ...file.before.flat()]);
        const target = file.target === undefined ? "" : join(["[app]", ...file.target]);
        const tail = join(file.after.flat());
        const whole = `${head}${target}${tail}`;
        // Without its last line end, unless that would lose a blank last line.
        const keepEnd = file.finalEol || whole === "" || whole.endsWith(file.eol.repeat(2));
        const text = keepEnd ? whole : whole.slice(0, -file.eol.length);
        // Act
        const result = edited(text, "app", key);
        // Assess: the lines outside the section are the same bytes, in the same order.
        const untouchedTail = file.target === undefined ? "" : text.slice(head.length + target.length);
        expect(result.startsWith(file.target === undefined ? text : head)).toBe(true);
        expect(result.endsWith(untouchedTail)).toBe(true);
        const section = result.slice(
          file.target === undefined ? text.length : head.length,
          result.length - untouchedTail.length,
        );
        // New lines end as the file's do; a file with no line end yet gets "\n".
        const eol = text.includes("\r\n") ? "\r\n" : "\n";
        const lines = section.split(eol).filter((l, i, all) => i < all.length - 1 || l !== "");
        if (file.target !== undefined) {
          expect(lines.filter((l) => !MANAGED.test(l))).toEqual([
            "[app]",
            ...file.target.filter((l) => !MANAGED.test(l)),
          ]);
        }
        const managed = lines.filter((l) => MANAGED.test(l)).map((l) => l.replace(/\s*=\s*/, " = "));
        expect(managed.sort()).toEqual([
          `aws_access_key_id = ${key.accessKeyId}`,
          `aws_secret_access_key = ${key.secretAccessKey.reveal()}`,
        ]);
        // Round trip: the result holds the key, and a later key replaces it as if it had never been.
        expect(withStaticKey(result, "app", key)).toEqual({ kind: "unchanged" });
        expect(edited(result, "app", other)).toBe(
          key.accessKeyId === other.accessKeyId &&
            key.secretAccessKey.reveal() === other.secretAccessKey.reveal()
            ? result
            : edited(text, "app", other),
        );
      }),
      { numRuns: 300 },
    );
  });
});
