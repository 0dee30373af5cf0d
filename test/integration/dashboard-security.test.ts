import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Script } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isLoopbackHostname } from "../../src/api/host-check.js";
import { readNodeEnv } from "../../src/config/node-env.js";
import { trustedProxies } from "../../src/config/trusted-proxies.js";
import { type RunningServer, startServer } from "../../src/entry/node.js";
import { createHarness, type Harness } from "../helpers/app.js";

describe("dashboard security headers", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  it("serves the page with a CSP that forbids inline script, nosniff, no referrer and no framing", async () => {
    const res = await h.app.request("/", { headers: h.admin });
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
  });

  it("has no inline script, style or event handler for the CSP to block, and serves its script and styles", async () => {
    const page = await (await h.app.request("/", { headers: h.admin })).text();
    expect(page.match(/<script[^>]*>/g)).toEqual([
      '<script src="/dashboard/uplot.js" defer="">',
      '<script src="/dashboard/dashboard.js" defer="">',
    ]);
    expect(page).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    for (const path of ["/dashboard/dashboard.js", "/dashboard/uplot.js"]) {
      const script = await h.app.request(path);
      expect(script.headers.get("content-type")).toMatch(/^text\/javascript/);
      expect(script.headers.get("x-content-type-options")).toBe("nosniff");
      const source = await script.text();
      expect(() => new Script(source)).not.toThrow();
    }
    expect(await (await h.app.request("/dashboard/dashboard.js")).text()).not.toContain("innerHTML");
    for (const path of ["/dashboard/dashboard.css", "/dashboard/uplot.css"]) {
      const styles = await h.app.request(path);
      expect(styles.headers.get("content-type")).toMatch(/^text\/css/);
      expect((await styles.text()).length).toBeGreaterThan(100);
    }
  });
});

describe("development mode accepts loopback host names only", () => {
  it.each([
    ["localhost", true],
    ["LOCALHOST", true],
    ["portolan.localhost", true],
    ["127.0.0.1", true],
    ["127.8.9.10", true],
    ["[::1]", true],
    ["evil.example", false],
    ["localhost.evil.example", false],
    ["127.0.0.1.nip.io", false],
    ["10.0.0.1", false],
    ["[::ffff:7f00:1]", false],
  ])("treats Host %s as loopback: %s", (hostname, loopback) => {
    expect(isLoopbackHostname(hostname)).toBe(loopback);
  });

  let server: RunningServer;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "portolan-host-"));
    server = await startServer({ host: "127.0.0.1", port: 0, dataDir: dir, adminToken: "" });
  }, 180_000); // a fresh embedded database: initdb and migrations are slow on a busy machine
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A GET to the dev server with the Host header a browser would send after DNS rebinding. */
  function get(path: string, host: string): Promise<{ status: number; body: string }> {
    const { port } = new URL(server.url);
    return new Promise((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path, headers: { host } }, (res) => {
        let body = "";
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.end();
    });
  }

  it.each(["/", "/trpc/clusters.list", "/healthz"])(
    "refuses %s with 403 HOST_NOT_ALLOWED when Host is another name",
    async (path) => {
      const answer = await get(path, "rebind.evil.example:8080");
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: "HOST_NOT_ALLOWED" } });
    },
  );

  it.each(["localhost:8080", "127.0.0.1", "[::1]:8080", "dev.localhost"])("serves Host %s", async (host) => {
    expect((await get("/trpc/clusters.list", host)).status).toBe(200);
  });
});

describe("the dashboard's token cookie", () => {
  let h: Harness;
  let readToken: string;
  const proxies = trustedProxies(
    readNodeEnv({ PORTOLAN_TRUSTED_PROXIES: "10.0.0.0/8, fd00::1" }).PORTOLAN_TRUSTED_PROXIES,
  );
  beforeAll(async () => {
    h = await createHarness(proxies ? { trustedProxy: proxies } : {});
    const created = await h.mutate("tokens.createRead", { name: "browser" });
    if (!created.ok) throw new Error(created.error.message);
    readToken = created.data.token;
  });
  afterAll(() => h.close());

  /** The token form posted from `peer` (the socket's address, as @hono/node-server gives it). */
  function signIn(
    token: string,
    options: { url?: string; peer?: string; headers?: Record<string, string> } = {},
  ) {
    const url = options.url ?? "http://portolan.example/session";
    return h.app.request(
      url,
      {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "sec-fetch-site": "same-origin",
          ...options.headers,
        },
        body: new URLSearchParams({ token }).toString(),
      },
      { incoming: { socket: { remoteAddress: options.peer ?? "192.0.2.7" } } },
    );
  }

  const cookieOf = (res: Response) => res.headers.get("set-cookie") ?? "";

  it("is Secure when the request itself is https", async () => {
    const res = await signIn(readToken, { url: "https://portolan.example/session" });
    expect(res.status).toBe(303);
    expect(cookieOf(res)).toMatch(/; Secure/);
  });

  it.each([
    ["X-Forwarded-Proto: https", { "x-forwarded-proto": "https" }, "10.1.2.3"],
    ["X-Forwarded-Proto: https, http", { "x-forwarded-proto": "https, http" }, "::ffff:10.9.9.9"],
    ["Forwarded: proto=https", { forwarded: 'for=192.0.2.60;proto="https";by=203.0.113.43' }, "fd00::1"],
  ])("is Secure behind a trusted TLS-terminating proxy that says %s", async (_, headers, peer) => {
    const res = await signIn(readToken, { headers, peer });
    expect(res.status).toBe(303);
    expect(cookieOf(res)).toMatch(/; Secure/);
  });

  it("ignores X-Forwarded-Proto and Forwarded from a peer that is not a trusted proxy", async () => {
    const res = await signIn(readToken, {
      headers: { "x-forwarded-proto": "https", forwarded: "proto=https" },
      peer: "192.0.2.7",
    });
    expect(res.status).toBe(303);
    expect(cookieOf(res)).toMatch(/^portolan_token=/);
    expect(cookieOf(res)).not.toMatch(/Secure/);
  });

  it("takes the https origin of a trusted proxy's client as same-origin for the form", async () => {
    const res = await signIn(readToken, {
      headers: { "sec-fetch-site": "", origin: "https://portolan.example", "x-forwarded-proto": "https" },
      peer: "10.0.0.2",
    });
    expect(res.status).toBe(303);
  });

  it("refuses the admin token with 403 and a message that says why, and sets no cookie", async () => {
    const res = await signIn(h.adminToken);
    expect(res.status).toBe(403);
    expect(cookieOf(res)).toBe("");
    expect(await res.text()).toContain("the dashboard keeps read tokens only");
  });

  it("treats an admin token already in the cookie as no token: the page asks for a read token", async () => {
    const res = await h.app.request("/", { headers: { cookie: `portolan_token=${h.adminToken}` } });
    expect(res.status).toBe(403);
    const page = await res.text();
    expect(page).toContain("read tokens only");
    expect(page).toContain('action="/session"');
  });

  it("refuses a PORTOLAN_TRUSTED_PROXIES entry that is not an address or CIDR block", () => {
    expect(() => readNodeEnv({ PORTOLAN_TRUSTED_PROXIES: "10.0.0.0/8,proxy.internal" })).toThrow(
      /PORTOLAN_TRUSTED_PROXIES.*proxy\.internal/s,
    );
    expect(() => readNodeEnv({ PORTOLAN_TRUSTED_PROXIES: "10.0.0.0/33" })).toThrow(/prefix/);
  });
});
