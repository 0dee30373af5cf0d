import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LOCK_FILE } from "../../src/entry/data-dir-lock.js";
import { openDatabase } from "../../src/entry/database.js";

/** Each test opens a fresh embedded database (initdb and migrations): slow on a busy machine. */
const SLOW = 180_000;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "portolan-lock-"));
  dirs.push(dir);
  return dir;
}

/** A pid that is certainly not running: a child that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.once("exit", resolve));
  return child.pid as number;
}

function runMigrate(dataDir: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/entry/migrate.ts"], {
    env: { ...process.env, DATABASE_URL: "", PORTOLAN_DATA_DIR: dataDir },
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, output })));
}

describe("one writer per embedded data directory", { timeout: SLOW }, () => {
  it("refuses a second open of a data directory and names the holder's pid", async () => {
    const dataDir = freshDir();
    const first = await openDatabase({ dataDir });
    try {
      await expect(openDatabase({ dataDir })).rejects.toThrow(
        new RegExp(`in use by pid ${process.pid} on ${hostname()}.*since`),
      );
    } finally {
      await first.close();
    }
  });

  it("opens the data directory again once the holder has closed it", async () => {
    const dataDir = freshDir();
    await (await openDatabase({ dataDir })).close();
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
    const again = await openDatabase({ dataDir });
    await again.close();
  });

  it("takes over a stale lock whose process is gone", async () => {
    const dataDir = freshDir();
    const pid = await deadPid();
    const stale = { pid, hostname: hostname(), startedAt: "2026-01-01T00:00:00Z", command: "crashed" };
    writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify(stale));
    const database = await openDatabase({ dataDir });
    try {
      expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), "utf8"))).toMatchObject({
        pid: process.pid,
      });
    } finally {
      await database.close();
    }
  });

  it("refuses a lock held on another host and says how to remove it", async () => {
    const dataDir = freshDir();
    const foreign = { pid: 1, hostname: "elsewhere", startedAt: "2026-01-01T00:00:00Z", command: "x" };
    writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify(foreign));
    await expect(openDatabase({ dataDir })).rejects.toThrow(/pid 1 on elsewhere.*delete .*portolan\.lock/);
  });

  it("db:migrate refuses while a server holds the data directory, and exits non-zero", async () => {
    const dataDir = freshDir();
    const server = await openDatabase({ dataDir });
    try {
      const { code, output } = await runMigrate(dataDir);
      expect(code).toBe(1);
      expect(output).toContain(`in use by pid ${process.pid}`);
    } finally {
      await server.close();
    }
    const { code } = await runMigrate(dataDir);
    expect(code).toBe(0);
  });
});
