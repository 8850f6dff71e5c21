import { afterEach, describe, expect, it } from "vitest";
import { type GitHubServer, startGitHubServer } from "../../../scripts/lib/providers/github-server";
import {
  type StreamServer,
  type StreamServerOptions,
  startStreamServer,
} from "../../../scripts/lib/providers/stream-server";
import { createGitHubWriter } from "../../../shared/destinations/github";
import { callApi, type FailureText } from "../../../shared/destinations/http";
import { Redacted } from "../../../shared/redacted";
import { expectFailure, failureOf, fakeHttpDeps, KEY, parseDestination } from "../../support/destinations";

const TOKEN = "ghp_b0und3dR3adT3stT0k3n00000000000000";
const MiB = 1024 * 1024;
const TEXT: FailureText = { what: "the test variable", fixes: {} };

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function streaming(options: StreamServerOptions): Promise<StreamServer> {
  const server = await startStreamServer(options);
  servers.push(server);
  return server;
}

async function github(): Promise<GitHubServer> {
  const server = await startGitHubServer({ token: TOKEN, repositories: ["org/app"] });
  servers.push(server);
  return server;
}

const get = (url: string) => ({ method: "GET" as const, url, headers: { authorization: `Bearer ${TOKEN}` } });

/** How long `promise` takes to settle, and its `DeliveryError`. */
async function timed(promise: Promise<unknown>) {
  const started = Date.now();
  const error = await failureOf(promise);
  return { error, ms: Date.now() - started };
}

describe("answers beyond 1 MiB", () => {
  it("refuses an endless answer as unavailable once past the bound, and hangs up long before the server finished", async () => {
    // Prepare: 4 GiB, written as fast as the client reads.
    const server = await streaming({ totalBytes: 4 * 1024 * MiB });

    // Act
    const { error, ms } = await timed(callApi(fakeHttpDeps(), get(server.url), TEXT));
    const answer = await server.ended(1);

    // Assess
    expectFailure(error, "unavailable", [TOKEN]);
    expect(error.message).toBe(
      "the test variable could not be written: the provider's answer was larger than 1 MiB (refused)",
    );
    expect(ms).toBeLessThan(5_000);
    expect(answer.hungUp).toBe(true);
    // What the sockets' buffers hold beyond the bound, not the 4 GiB.
    expect(answer.written).toBeLessThan(32 * MiB);
  });

  it("refuses an answer whose Content-Length is over the bound without reading its body", async () => {
    // Prepare: a declared 2 MiB, written slowly enough that reading it would take minutes.
    const server = await streaming({
      contentLength: 2 * MiB,
      totalBytes: 2 * MiB,
      chunkBytes: 16 * 1024,
      intervalMs: 200,
    });

    // Act
    const { error, ms } = await timed(callApi(fakeHttpDeps(), get(server.url), TEXT));
    const answer = await server.ended(1);

    // Assess
    expect(error.failure).toBe("unavailable");
    expect(error.message).toContain("larger than 1 MiB");
    expect(ms).toBeLessThan(2_000);
    expect(answer.hungUp).toBe(true);
    expect(answer.written).toBeLessThan(MiB);
  });

  it("takes an answer of exactly 1 MiB", async () => {
    // Prepare: a JSON string of 1 MiB in all, quotes included.
    const server = await startGitHubServer({ token: TOKEN });
    servers.push(server);
    server.answerNext(() => ({ status: 200, body: "x".repeat(MiB - 2) }));
    // The server sends a string as text: make it the JSON of a string.
    server.answerNext(() => ({ status: 200, body: `"${"x".repeat(MiB - 2)}"` }));

    // Act
    const text = await callApi(fakeHttpDeps(), get(`${server.url}/any`), TEXT);
    const json = await callApi(fakeHttpDeps(), get(`${server.url}/any`), TEXT);

    // Assess
    expect(text.status).toBe(200);
    expect(text.body).toBeNull();
    expect(json.body).toBe("x".repeat(MiB - 2));
  });

  it("ends a trickling answer (a byte a second) within the per-request timeout", async () => {
    // Prepare
    const server = await streaming({ totalBytes: 120, chunkBytes: 1, intervalMs: 1_000 });
    const deps = { ...fakeHttpDeps(), timeoutMs: 1_500 };

    // Act
    const { error, ms } = await timed(callApi(deps, get(server.url), TEXT));
    const answer = await server.ended(1);

    // Assess
    expectFailure(error, "unavailable", [TOKEN]);
    expect(error.message).toBe(
      "the test variable could not be written: the provider could not be reached (no whole answer within 1.5 s)",
    );
    expect(ms).toBeGreaterThanOrEqual(1_400);
    expect(ms).toBeLessThan(5_000);
    expect(answer.hungUp).toBe(true);
  });
  it("bounds the body's read by the timeout even with a fetch that leaves the body running after its signal aborts", async () => {
    // Prepare: a body that sends a byte every 100 ms forever, whatever the signal says.
    let cancelled = false;
    const fetch: typeof globalThis.fetch = async () => {
      let timer: NodeJS.Timeout | undefined;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          timer = setInterval(() => controller.enqueue(new Uint8Array([120])), 100);
        },
        cancel() {
          cancelled = true;
          clearInterval(timer);
        },
      });
      return new Response(body, { status: 200 });
    };
    const deps = { ...fakeHttpDeps(), fetch, timeoutMs: 500 };

    // Act
    const { error, ms } = await timed(callApi(deps, get("http://127.0.0.1:9/never"), TEXT));

    // Assess
    expect(error.message).toContain("(no whole answer within 0.5 s)");
    expect(ms).toBeLessThan(2_000);
    expect(cancelled).toBe(true);
  }, 10_000);
});

describe("redirects", () => {
  it("refuses a redirect to another origin, never following it with the token, never naming where it led", async () => {
    // Prepare
    const provider = await github();
    const elsewhere = await github();
    provider.answerNext(() => ({
      status: 302,
      headers: { location: `${elsewhere.url}/steal?token=${TOKEN}` },
    }));
    const dest = parseDestination("github", {
      repository: "org/app",
      apiUrl: provider.url,
      tokenSecret: "keyrotor-tokens/github",
    });

    // Act
    const error = await failureOf(createGitHubWriter(dest, new Redacted(TOKEN), fakeHttpDeps()).deliver(KEY));

    // Assess
    expectFailure(error, "not-found", [TOKEN, elsewhere.url, "steal"]);
    expect(error.message).toBe(
      "GitHub secrets AWS_SECRET_ACCESS_KEY and AWS_ACCESS_KEY_ID of repository org/app could not be written: the provider redirected to another origin (refused)",
    );
    expect(error.fix).toContain(`check the destination's apiUrl (${provider.url})`);
    expect(elsewhere.requests).toEqual([]);
  });

  it.each([301, 302, 303, 307, 308])(
    "refuses a %i to another path of the same origin too: a write is never sent anywhere but where it was addressed",
    async (status) => {
      // Prepare
      const provider = await github();
      provider.answerNext(() => ({ status, headers: { location: `${provider.url}/repos/org/app/other` } }));

      // Act
      const error = await failureOf(
        callApi(fakeHttpDeps(), { ...get(`${provider.url}/repos/org/app/actions/secrets/public-key`) }, TEXT),
      );

      // Assess
      expect(error.failure).toBe("not-found");
      expect(error.message).toBe(
        "the test variable could not be written: the provider redirected within its own origin (refused)",
      );
      expect(provider.requests).toHaveLength(1);
    },
  );

  it("refuses a 3xx without a usable Location as a redirect, not as an outage", async () => {
    // Prepare
    const provider = await github();
    provider.answerNext(() => ({ status: 300, headers: { location: "http://[not a url" } }));

    // Act
    const error = await failureOf(callApi(fakeHttpDeps(), get(`${provider.url}/x`), TEXT));

    // Assess
    expect(error.failure).toBe("not-found");
    expect(error.message).toBe(
      "the test variable could not be written: the provider answered with a redirect (refused)",
    );
  });
});

describe("unreachable providers", () => {
  it("says why in keyrotor's words, and keeps no error of the transport (it may hold bytes of an answer)", async () => {
    // Prepare
    const provider = await github();
    const url = `${provider.url}/x`;
    await provider.close();

    // Act
    const error = await failureOf(callApi(fakeHttpDeps(), get(url), TEXT));

    // Assess
    expect(error.failure).toBe("unavailable");
    expect(error.message).toBe(
      "the test variable could not be written: the provider could not be reached (connection refused)",
    );
    expect(error.cause).toBeUndefined();
  });
});
