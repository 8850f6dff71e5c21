import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { startCircleCiServer } from "../../../scripts/lib/providers/circleci-server";
import { echoEverything } from "../../../scripts/lib/providers/echo";
import { startGitHubServer } from "../../../scripts/lib/providers/github-server";
import { startGitLabServer } from "../../../scripts/lib/providers/gitlab-server";
import type { FailureInjection, ServerRequest } from "../../../scripts/lib/providers/http-server";
import { startTerraformCloudServer } from "../../../scripts/lib/providers/terraform-cloud-server";
import { createCircleCiWriter } from "../../../shared/destinations/circleci";
import { createGitHubWriter } from "../../../shared/destinations/github";
import { createGitLabWriter } from "../../../shared/destinations/gitlab";
import { createTerraformCloudWriter } from "../../../shared/destinations/terraform-cloud";
import { DeliveryError, type DestinationWriter, type KeyToDeliver } from "../../../shared/destinations/types";
import { Redacted } from "../../../shared/redacted";
import { fakeHttpDeps, KEY, parseDestination, SECRET, shownBy } from "../../support/destinations";
import { echoPlans, replyOf, spellingsOf } from "../../support/echo-answers";

/**
 * Whatever a provider answers, even repeating every byte keyrotor sent it, no delivery error holds
 * the token or the value being written: keyrotor says the status in its own words and never copies
 * a provider's text.
 */

type Echoing = Pick<FailureInjection<ServerRequest>, "answerNext" | "answerWhen">;

interface Provider {
  readonly name: string;
  readonly token: string;
  /** How many requests a delivery makes when every answer is a success. */
  readonly requests: number;
  start(): Promise<{ server: Echoing & { close(): Promise<void> }; writer: DestinationWriter }>;
}

const deps = () => ({ ...fakeHttpDeps(), timeoutMs: 3_000 });

const PROVIDERS: readonly Provider[] = [
  {
    name: "GitHub",
    token: "ghp_3ch0T3stT0k3nAAAAAAAAAAAAAAAAAAAAAAA",
    requests: 3,
    async start() {
      const server = await startGitHubServer({ token: this.token, repositories: ["org/app"] });
      const dest = { repository: "org/app", apiUrl: server.url, tokenSecret: "keyrotor-tokens/github" };
      const writer = createGitHubWriter(parseDestination("github", dest), new Redacted(this.token), deps());
      return { server, writer };
    },
  },
  {
    name: "GitLab",
    token: "glpat-3ch0T3stT0k3nBBBBBBBB",
    requests: 4,
    async start() {
      const server = await startGitLabServer({ token: this.token, projects: [{ id: 42, path: "acme/app" }] });
      const dest = { project: "acme/app", apiUrl: server.url, tokenSecret: "keyrotor-tokens/gitlab" };
      const writer = createGitLabWriter(parseDestination("gitlab", dest), new Redacted(this.token), deps());
      return { server, writer };
    },
  },
  {
    name: "CircleCI",
    token: "CCIPAT_3ch0T3stT0k3n_cccccccccccc",
    requests: 2,
    async start() {
      const server = await startCircleCiServer({ token: this.token, projects: ["gh/acme/app"] });
      const dest = { project: "gh/acme/app", apiUrl: server.url, tokenSecret: "keyrotor-tokens/circleci" };
      const writer = createCircleCiWriter(
        parseDestination("circleci", dest),
        new Redacted(this.token),
        deps(),
      );
      return { server, writer };
    },
  },
  {
    name: "Terraform Cloud",
    token: "3ch0T3stT0k3n.atlasv1.dddddddddddd",
    requests: 4,
    async start() {
      const server = await startTerraformCloudServer({
        token: this.token,
        organizations: { acme: ["prod"] },
      });
      const dest = {
        organization: "acme",
        workspace: "prod",
        apiUrl: server.url,
        tokenSecret: "keyrotor-tokens/terraform-cloud",
      };
      const writer = createTerraformCloudWriter(
        parseDestination("terraform-cloud", dest),
        new Redacted(this.token),
        deps(),
      );
      return { server, writer };
    },
  },
];

/** What a delivery shows a person, a log or the ledger when it fails: nothing when it succeeds. */
async function shownByDelivery(writer: DestinationWriter, key: KeyToDeliver): Promise<string> {
  const error = await writer.deliver(key).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error === undefined) return "";
  // Anything but a DeliveryError would reach the ledger and the logs as whatever it says.
  expect(error).toBeInstanceOf(DeliveryError);
  return shownBy(error as DeliveryError);
}

describe.each(PROVIDERS)("$name answering with everything it was sent", (provider) => {
  it.each([302, 400, 401, 403, 404, 409, 422, 429, 500, 503])(
    "an answer %i to any request of the delivery shows neither the token nor the value",
    async (status) => {
      for (let at = 0; at < provider.requests; at++) {
        // Prepare
        const { server, writer } = await provider.start();
        let seen = 0;
        server.answerWhen(() => seen++ === at, echoEverything(status, [SECRET]));

        // Act
        const shown = await shownByDelivery(writer, KEY).finally(() => server.close());

        // Assess
        const leaked = spellingsOf([provider.token, SECRET]).filter((s) => shown.includes(s));
        expect(leaked, `request ${at}`).toEqual([]);
      }
    },
  );

  it("property: no answer, however it echoes, puts the token or the value in what a failure shows", async () => {
    const secrets = fc.stringMatching(/^[A-Za-z0-9+/]{40}$/);
    await fc.assert(
      fc.asyncProperty(echoPlans(provider.requests), secrets, async (plan, secret) => {
        // Prepare
        const { server, writer } = await provider.start();
        let seen = 0;
        server.answerWhen(() => seen++ === plan.at, replyOf(plan, { token: provider.token, secret }));

        // Act
        const shown = await shownByDelivery(writer, {
          ...KEY,
          secretAccessKey: new Redacted(secret),
        }).finally(() => server.close());

        // Assess
        const leaked = spellingsOf([provider.token, secret]).filter((s) => shown.includes(s));
        expect(leaked).toEqual([]);
      }),
      { numRuns: 80 },
    );
  });
});
