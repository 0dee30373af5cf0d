/**
 * One writer per embedded data directory. PGlite has no locking of its own: two processes on one
 * directory each see only their own writes and the last to close wins, so every entry that opens the
 * embedded database takes this lock first (created atomically with O_EXCL) and refuses if it is held.
 */
import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { log } from "../logging/logger.js";

export const LOCK_FILE = "portolan.lock";

export interface LockHolder {
  pid: number;
  hostname: string;
  startedAt: string;
  command: string;
}

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

export class DataDirLockedError extends Error {}

/** Lock files this process holds: a lock naming our own pid that is not in here is a previous life's. */
const heldByThisProcess = new Set<string>();

export function acquireDataDirLock(dataDir: string): DataDirLock {
  const path = join(dataDir, LOCK_FILE);
  const me: LockHolder = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    command: process.argv.slice(1).join(" ") || process.argv0,
  };
  const content = JSON.stringify(me);
  if (!tryCreate(path, content)) {
    const holder = readHolder(path);
    const problem = whyNotStale(path, holder);
    if (problem) throw new DataDirLockedError(problem);
    takeOver(path, holder as LockHolder, content);
  }
  heldByThisProcess.add(path);
  // A normal exit (process.exit, end of the event loop) releases it; a crash leaves a stale lock.
  const releaseOnExit = () => removeIfOurs(path, content);
  process.on("exit", releaseOnExit);
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      process.off("exit", releaseOnExit);
      heldByThisProcess.delete(path);
      removeIfOurs(path, content);
    },
  };
}

function tryCreate(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<LockHolder>;
    if (typeof parsed.pid === "number" && typeof parsed.hostname === "string")
      return {
        pid: parsed.pid,
        hostname: parsed.hostname,
        startedAt: String(parsed.startedAt ?? "an unknown time"),
        command: String(parsed.command ?? "an unknown command"),
      };
  } catch {
    // unreadable or half-written: treated as held, below
  }
  return undefined;
}

/** Why the lock must be respected, or undefined when its holder is provably gone. */
function whyNotStale(path: string, holder: LockHolder | undefined): string | undefined {
  const removeHint = `if no Portolan process uses this data directory any more, delete ${path}`;
  if (!holder)
    return `the embedded data directory is locked by ${path}, which cannot be read (another process may be starting); ${removeHint}`;
  const who = `pid ${holder.pid} on ${holder.hostname} (${holder.command}), since ${holder.startedAt}`;
  if (holder.hostname !== hostname())
    return `the embedded data directory is in use by ${who}: another host's process cannot be checked from here; ${removeHint}`;
  if (isAlive(holder.pid) && !(holder.pid === process.pid && !heldByThisProcess.has(path)))
    return `the embedded data directory is in use by ${who}; stop it first, or use another PORTOLAN_DATA_DIR (only one process may open an embedded database)`;
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/**
 * Moves the stale lock aside, then creates ours with O_EXCL again, so of two processes taking over
 * at once only one wins; the other finds the winner's live lock and refuses.
 */
function takeOver(path: string, stale: LockHolder, content: string): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
    const moved = readHolder(aside);
    // Someone else took over between our read and the rename: put their live lock back.
    if (moved?.pid !== stale.pid || moved.startedAt !== stale.startedAt) {
      renameSync(aside, path);
      throw new DataDirLockedError(`lost the race for ${path} to another process; try again`);
    }
    unlinkSync(aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (!tryCreate(path, content)) {
    const problem = whyNotStale(path, readHolder(path));
    throw new DataDirLockedError(problem ?? `lost the race for ${path}; try again`);
  }
  log("warn", "took over a stale data directory lock", {
    lock: path,
    stalePid: stale.pid,
    staleCommand: stale.command,
    staleSince: stale.startedAt,
  });
}

function removeIfOurs(path: string, content: string): void {
  try {
    if (readFileSync(path, "utf8") === content) unlinkSync(path);
  } catch {
    // already gone
  }
}
