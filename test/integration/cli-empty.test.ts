/** Empty answers say so in words, instead of printing a bare table header. */

import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { node, snapshot } from "../fixtures/snapshots.js";
import { createHarness } from "../helpers/app.js";
import { runCli } from "../helpers/cli.js";
import { type LoopbackServer, listenOnLoopback } from "../helpers/loopback-server.js";

type Harness = Awaited<ReturnType<typeof createHarness>>;
let h: Harness;
let server: LoopbackServer;
let url: string;

beforeAll(async () => {
  h = await createHarness();
  server = await listenOnLoopback(h.app.fetch);
  url = server.url;
});
afterAll(async () => {
  await server.close();
  await h.close();
});
beforeEach(() => h.reset());

const cli = (...argv: string[]) => runCli([...argv, "--url", url, "--token", h.adminToken]);

describe("empty answers", () => {
  it("say that the fleet has no clusters, allocations, workloads or reservations", async () => {
    expect(await cli("clusters", "list")).toEqual({ code: 0, out: "no clusters registered", err: "" });
    expect(await cli("ports", "who", "9100", "--protocol", "tcp")).toEqual({
      code: 0,
      out: "no allocations of 9100/TCP",
      err: "",
    });
    expect((await cli("ports", "who", "9100", "--as-of", "2026-11-30")).out).toBe(
      "no allocations of 9100 (any protocol) as of 2026-11-30T00:00:00.000Z",
    );
    expect((await cli("headroom")).out).toBe("no host-port workloads");
    expect((await cli("reserve", "list")).out).toBe("no reservations");
  });

  it("say that a cluster or a node holds no host ports", async () => {
    const token = await h.register("quiet");
    const pushed = await h.push(token, snapshot("quiet", new Date().toISOString(), [node("worker-1")], []));
    expect(pushed.status).toBe(200);

    const map = await cli("ports", "map", "quiet");
    expect(map.code).toBe(0);
    expect(map.out).toMatch(/^Port map of quiet as of .*: 1 nodes, 1 schedulable\n\nno host ports held$/);
    expect((await cli("ports", "node", "quiet", "worker-1")).out).toMatch(/no host ports held on this node$/);
    expect((await cli("drain-check", "quiet", "worker-1")).out).toBe(
      "quiet/worker-1: drainable\nno host-port pods on this node",
    );
    expect((await cli("ports", "who", "9100", "--cluster", "quiet")).out).toBe(
      "no allocations of 9100 (any protocol) in quiet",
    );
  });

  it("keep --json output as the server's answer", async () => {
    expect(JSON.parse((await cli("clusters", "list", "--json")).out)).toEqual([]);
  });

  it("are the same from the portolan binary, which sends over node:http and exits once done", async () => {
    const bin = fileURLToPath(new URL("../../bin/portolan.js", import.meta.url));
    const run = promisify(execFile);
    const { stdout, stderr } = await run(process.execPath, [bin, "clusters", "list"], {
      env: { ...process.env, PORTOLAN_URL: url, PORTOLAN_TOKEN: h.adminToken },
    });
    expect({ stdout, stderr }).toEqual({ stdout: "no clusters registered\n", stderr: "" });
    const refused = await run(process.execPath, [bin, "ports", "map", "nowhere"], {
      env: { ...process.env, PORTOLAN_URL: url, PORTOLAN_TOKEN: h.adminToken },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringMatching(/NOT_FOUND: cluster "nowhere"/) });
  }, 60_000);
});
