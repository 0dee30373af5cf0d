/** Read tokens from the CLI, and what a refused token tells a CLI user to do. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHarness, dataOf } from "../helpers/app.js";
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

const as = (token: string | undefined, ...argv: string[]) =>
  runCli([...argv, "--url", url, ...(token ? ["--token", token] : [])]);

describe("portolan tokens", () => {
  it("creates a read token that reads, lists it, and revokes it so it stops reading", async () => {
    const created = await as(h.adminToken, "tokens", "create", "grafana", "--json");
    expect(created.code).toBe(0);
    const { token } = JSON.parse(created.out) as { token: string };
    expect(token).toMatch(/^ptl_read_/);
    expect((await as(token, "clusters", "list")).code).toBe(0);

    const listed = await as(h.adminToken, "tokens", "list");
    expect(listed.out).toMatch(/^NAME\s+CREATED\s+REVOKED\n.*grafana\s+\S+\s+-/m);

    expect(await as(h.adminToken, "tokens", "revoke", "grafana")).toMatchObject({
      code: 0,
      out: "revoked read token grafana",
    });
    const refused = await as(token, "clusters", "list");
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("unknown or revoked token (check --token or PORTOLAN_TOKEN, and --url");
  });

  it("says there are none, and how to make one", async () => {
    expect((await as(h.adminToken, "tokens", "list")).out).toBe(
      "no read tokens (create one: portolan tokens create <name>)",
    );
  });

  it("refuses a second token of one name with the server's code", async () => {
    await as(h.adminToken, "tokens", "create", "ci");
    const again = await as(h.adminToken, "tokens", "create", "ci");
    expect(again.code).toBe(1);
    expect(again.err).toContain("TOKEN_EXISTS");
  });
});

describe("a refused token, told in CLI terms", () => {
  it("names --token and PORTOLAN_TOKEN when no token was given, not an HTTP header", async () => {
    const run = await as(undefined, "clusters", "list");
    expect(run.code).toBe(1);
    expect(run.err).toContain("give a token with --token or PORTOLAN_TOKEN");
    expect(run.err).toContain("portolan tokens create <name>");
    expect(run.err).not.toContain("Authorization");
  });

  it("says a read token cannot do an admin call", async () => {
    const { token } = JSON.parse((await as(h.adminToken, "tokens", "create", "viewer", "--json")).out) as {
      token: string;
    };
    const run = await as(token, "tokens", "create", "another");
    expect(run.code).toBe(1);
    expect(run.err).toContain("needs the admin token");
    expect(run.err).toContain("--token or PORTOLAN_TOKEN");
  });
});

describe("tokens.list", () => {
  it("pages by name, and the CLI follows every page", async () => {
    for (const name of ["c", "a", "b"]) expect((await h.mutate("tokens.createRead", { name })).ok).toBe(true);
    const first = dataOf(await h.query("tokens.list", { limit: 2 }));
    expect(first.tokens.map((t) => t.name)).toEqual(["a", "b"]);
    expect(first.nextCursor).toBe("b");
    const rest = dataOf(await h.query("tokens.list", { limit: 2, cursor: "b" }));
    expect(rest).toMatchObject({ tokens: [{ name: "c", revokedAt: null }], nextCursor: null });
    expect((await as(h.adminToken, "tokens", "list", "--json")).out).toContain('"name": "c"');
  });

  it("refuses a page beyond its bound", async () => {
    const answer = await h.rawQuery("tokens.list", { limit: 1001 });
    expect(answer).toMatchObject({ ok: false, status: 400 });
  });
});
