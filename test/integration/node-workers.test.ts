/**
 * PORTOLAN_WORKERS=N (src/entry/node-workers.ts): the Node entry as a primary and N workers sharing one
 * port, on PostgreSQL. Pushes of one cluster that reach both workers serialise on the cluster row's
 * lock (no key open twice, the open facts those of the newest accepted push), exactly one worker runs
 * maintenance (and its replacement inherits it), and every worker has the heap cap.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { Client } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, readNodeEnv } from "../../src/config/node-env.js";
import { SERVER_HEAP_FLAGS } from "../../src/config/server-heap.js";
import { rawRows } from "../../src/db/raw.js";
import type { DatabaseHandle } from "../../src/db/types.js";
import { createTestDatabase, onRealPostgres } from "../helpers/database.js";

const root = new URL("../../", import.meta.url).pathname;
const ADMIN = "workers-test-admin-token-0123456789";

describe("PORTOLAN_WORKERS in the environment", () => {
  it("is refused above 1 without DATABASE_URL, saying the embedded database is one process", () => {
    expect(() => readNodeEnv({ PORTOLAN_WORKERS: "2" })).toThrow(ConfigError);
    expect(() => readNodeEnv({ PORTOLAN_WORKERS: "2" })).toThrow(
      /PORTOLAN_WORKERS: above 1 needs DATABASE_URL \(PostgreSQL\)/,
    );
  });

  it("is a whole number of processes from 1, and 1 unless set", () => {
    expect(readNodeEnv({}).PORTOLAN_WORKERS).toBe(1);
    expect(readNodeEnv({ PORTOLAN_WORKERS: "3", DATABASE_URL: "postgres://h/db" }).PORTOLAN_WORKERS).toBe(3);
    expect(() => readNodeEnv({ PORTOLAN_WORKERS: "0" })).toThrow(/PORTOLAN_WORKERS: must be at least 1/);
    expect(() => readNodeEnv({ PORTOLAN_WORKERS: "two" })).toThrow(
      /PORTOLAN_WORKERS: must be a whole number/,
    );
  });
});

interface LogLine {
  msg: string;
  worker?: number;
  url?: string;
  maintenance?: boolean;
  pid?: number;
  route?: string;
}

// PostgreSQL only: several processes cannot share the embedded database (PORTOLAN_WORKERS refuses it).
describe.skipIf(!onRealPostgres())("two server workers on PostgreSQL", () => {
  let db: DatabaseHandle & { url?: string };
  let primary: ChildProcess;
  const lines: LogLine[] = [];
  let waiters: (() => boolean)[] = [];
  let url = "";

  /** Resolves once the log holds a line the predicate accepts. */
  const logged = (predicate: (line: LogLine) => boolean) =>
    new Promise<LogLine>((resolve) => {
      const check = () => {
        const found = lines.find(predicate);
        if (!found) return false;
        resolve(found);
        return true;
      };
      if (!check()) waiters.push(check);
    });

  beforeAll(async () => {
    db = await createTestDatabase({ max: 2 });
    primary = spawn(process.execPath, [...SERVER_HEAP_FLAGS, "--import", "tsx", "src/entry/node.ts"], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        HOST: "127.0.0.1",
        PORT: "0",
        PORTOLAN_ADMIN_TOKEN: ADMIN,
        PORTOLAN_WORKERS: "2",
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let buffered = "";
    primary.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      buffered += chunk;
      const complete = buffered.split("\n");
      buffered = complete.pop() ?? "";
      for (const text of complete) {
        if (!text.startsWith("{")) continue;
        lines.push(JSON.parse(text) as LogLine);
        waiters = waiters.filter((check) => !check());
      }
    });
    const first = await logged((l) => l.msg === "portolan listening");
    await logged((l) => l.msg === "portolan listening" && l.worker !== first.worker);
    url = first.url ?? "";
  }, 60_000);

  afterAll(async () => {
    if (primary && primary.exitCode === null) {
      primary.kill("SIGTERM");
      await new Promise((resolve) => primary.once("exit", resolve));
    }
    await db?.close();
  });

  /** One request on a connection of its own, so successive calls are handed to the workers in turn. */
  async function post(path: string, token: string, body: unknown) {
    const client = new Client(url);
    try {
      const res = await client.request({
        method: "POST",
        path,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
    } finally {
      await client.close();
    }
  }

  it("listen on one port, one of them running maintenance, each with the heap cap", () => {
    const listening = lines.filter((l) => l.msg === "portolan listening");
    expect(listening).toHaveLength(2);
    expect(new Set(listening.map((l) => l.url))).toEqual(new Set([url]));
    expect(listening.filter((l) => l.maintenance === true)).toHaveLength(1);
    const pid = primary.pid as number;
    const workers = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(" ");
    expect(workers).toHaveLength(2);
    for (const worker of workers) {
      const argv = readFileSync(`/proc/${worker}/cmdline`, "utf8").split("\0");
      expect(argv).toEqual(expect.arrayContaining([...SERVER_HEAP_FLAGS]));
    }
  });

  it("serialise concurrent pushes of one cluster that reach both workers", async () => {
    const registered = await post("/trpc/clusters.register", ADMIN, { name: "shared" });
    const token = (registered.body as { result: { data: { token: string } } }).result.data.token;
    const base = Date.now() - 60_000;
    const pushes = Array.from({ length: 12 }, (_, i) => ({
      schemaVersion: 1,
      cluster: "shared",
      observedAt: new Date(base + i * 1000).toISOString(),
      nodes: [{ name: "node-a", ready: true }],
      pods: [
        {
          namespace: "ns",
          name: `exporter-${i}`,
          node: "node-a",
          phase: "Running",
          ports: [{ container: "c", containerPort: 9100 + (i % 3), hostPort: 9100 + (i % 3) }],
        },
      ],
    }));
    const answers = await Promise.all(pushes.map((push) => post("/v1/snapshots", token, push)));
    const statuses = answers.map((a) => a.status);
    // Each is applied, refused as older than one applied, or refused while another holds the lock.
    for (const status of statuses) expect([200, 409, 429]).toContain(status);
    const accepted = pushes.filter((_, i) => statuses[i] === 200);
    expect(accepted.length).toBeGreaterThan(0);

    const served = new Set(lines.filter((l) => l.route === "/v1/snapshots").map((l) => l.worker));
    expect(served.size).toBe(2);

    const logRows = await rawRows<{ n: string }>(db.db, sql`SELECT count(*) AS n FROM snapshots`);
    expect(Number(logRows[0]?.n)).toBe(accepted.length);
    const open = await rawRows<{ pod: string; host_port: number }>(
      db.db,
      sql`SELECT pod, host_port FROM port_allocations WHERE valid_to IS NULL`,
    );
    const newest = accepted.reduce((a, b) => (a.observedAt > b.observedAt ? a : b));
    expect(open.map((r) => [r.pod, r.host_port])).toEqual([
      [newest.pods[0]?.name, newest.pods[0]?.ports[0]?.hostPort],
    ]);
  });

  it("give maintenance to the worker started in place of the one that ran it", async () => {
    const runner = lines.find((l) => l.msg === "portolan listening" && l.maintenance === true);
    expect(runner?.pid).toBeTypeOf("number");
    process.kill(runner?.pid as number, "SIGKILL");
    const replacement = await logged(
      (l) => l.msg === "portolan listening" && l.worker !== undefined && l.worker > 2,
    );
    expect(replacement.maintenance).toBe(true);
    const live = lines.filter(
      (l) => l.msg === "portolan listening" && l.maintenance === true && l.worker !== runner?.worker,
    );
    expect(live).toHaveLength(1);
  }, 60_000);
});
