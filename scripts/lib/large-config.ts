/**
 * A configuration as a large organization keeps it: `bindings` CI bindings (one repository each,
 * spread over 400 accounts), `rules` reader rules, and a few policies. What the package test and
 * `npm run bench` size the configuration file with.
 */
export function largeConfiguration(bindings: number, rules: number) {
  return {
    senderEmail: "keyrotor@example.com",
    mode: "enforce",
    readerTagAllowlist: Array.from({ length: rules }, (_, i) => `arn:aws:iam::*:role/team-${i}-*`),
    policies: Array.from({ length: 20 }, (_, i) => ({
      name: `accounts-${i}`,
      accounts: [String(100000000000 + i)],
      rotateAfterDays: 30 + i,
      deactivateAfterDays: 40 + i,
      deleteAfterDays: 50 + i,
    })),
    deliveries: Array.from({ length: bindings }, (_, i) => ({
      account: String(100000000000 + (i % 400)),
      user: `ci-${i}`,
      destinations: [{ type: "github", repository: `acme/app-${i}`, tokenSecret: "keyrotor-tokens/github" }],
    })),
  };
}
