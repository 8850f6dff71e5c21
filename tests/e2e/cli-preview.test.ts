import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const exec = promisify(execFile);
let server: Server;
let endpoint: string;
const requests: string[] = [];

beforeAll(async () => {
  // Every AWS call the command could make would land here.
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe("keyrotor preview (the built command)", () => {
  it("writes the weekly digest, HTML and text, from the sample organization, with no AWS call", async () => {
    // Prepare
    const directory = mkdtempSync(join(tmpdir(), "keyrotor-preview-"));
    const env = {
      ...process.env,
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_REGION: "us-east-1",
    };
    // Act
    const { stdout } = await exec(process.execPath, ["bin/keyrotor.mjs", "preview", "--output", directory], {
      env,
    });
    // Assess
    expect(stdout).toMatch(/weekly-digest\.html, weekly-digest\.txt/);
    for (const file of ["weekly-digest.html", "weekly-digest.txt"])
      expect(existsSync(join(directory, file))).toBe(true);
    const text = readFileSync(join(directory, "weekly-digest.txt"), "utf8");
    expect(text).toMatch(/^Subject: \[keyrotor\] Weekly report \d{4}-\d\d-\d\d: /);
    expect(text).toContain("== Needs a person ==");
    expect(requests).toEqual([]);
  });
});
