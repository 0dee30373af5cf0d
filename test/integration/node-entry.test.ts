import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isLoopbackHost } from "../../src/config/bind.js";
import { ConfigError, readNodeEnv } from "../../src/config/node-env.js";
import { startServer } from "../../src/entry/node.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("node entry", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.3.4.5", true],
    ["localhost", true],
    ["::1", true],
    ["[::1]", true],
    ["0.0.0.0", false],
    ["::", false],
    ["10.0.0.5", false],
  ])("treats %s as loopback: %s", (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });

  it("refuses to listen on a public address without an admin token", async () => {
    await expect(startServer({ host: "0.0.0.0", port: 0, dataDir: "/nonexistent" })).rejects.toThrow(
      /refusing to listen on 0.0.0.0 without PORTOLAN_ADMIN_TOKEN/,
    );
  });

  it("names every invalid variable of the environment", () => {
    expect(() => readNodeEnv({ PORT: "eighty", DATABASE_URL: "mysql://x" })).toThrow(ConfigError);
    expect(() => readNodeEnv({ PORT: "eighty", DATABASE_URL: "mysql://x" })).toThrow(
      /PORT[\s\S]*DATABASE_URL/,
    );
  });

  it("serves on an embedded database in a data directory, migrated at start, shows its event-loop delay on /metrics, and closes cleanly", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "portolan-serve-"));
    dirs.push(dataDir);
    const server = await startServer({ host: "127.0.0.1", port: 0, dataDir });
    try {
      const ready = await fetch(`${server.url}/readyz`);
      expect(await ready.json()).toMatchObject({ status: "ready", database: "pglite" });
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toMatch(/^portolan_event_loop_delay_p99_seconds \d/m);
      expect(metrics).toMatch(/^portolan_event_loop_delay_max_seconds \d/m);
    } finally {
      await server.close();
    }
  });
});
