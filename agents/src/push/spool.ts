/**
 * Snapshots not yet accepted by the API, oldest first, each with its own observedAt, so that a
 * replay after an outage gives the server every state change at the instant it happened.
 *
 * Bounded by count and bytes. When full, the entry whose state lasted the shortest time (smallest
 * gap to its successor) is dropped: its predecessor's interval absorbs it, which is the smallest
 * error any drop can make, and the newest state is never dropped. With a directory the entries are
 * files (gzipped snapshot, name = sequence, observedAt in ms, state hash) and survive a restart.
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Logger } from "../ops/log.js";

export interface SpoolEntry {
  seq: number;
  observedMs: number;
  hash: string;
  bytes: number;
  /** In memory (no directory), or read from `file` when needed. */
  body?: Uint8Array;
  file?: string;
}

export interface SpoolOptions {
  dir?: string;
  maxEntries: number;
  maxBytes: number;
  /** Refused snapshots kept in `<dir>/rejected/` for a look (default 10); older ones are deleted. */
  rejectedKept?: number;
  logger: Logger;
}

/** Why the API refused a snapshot, as the sidecar file next to it in `rejected/` records it. */
export interface Rejection {
  status: number;
  code: string;
  message: string;
  rejectedAt: string;
}

const FILE = /^(\d{12})-(\d+)-([0-9a-f]{64})\.json\.gz$/;
export const REJECTED_DIR = "rejected";
const SIDECAR = ".rejection.json";

export class Spool {
  private readonly entries: SpoolEntry[] = [];
  private totalBytes = 0;
  private nextSeq = 1;

  private constructor(private readonly options: SpoolOptions) {}

  static async open(options: SpoolOptions): Promise<Spool> {
    const spool = new Spool(options);
    if (options.dir) await spool.load(options.dir);
    return spool;
  }

  get size(): number {
    return this.entries.length;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  head(): SpoolEntry | undefined {
    return this.entries[0];
  }

  newest(): SpoolEntry | undefined {
    return this.entries[this.entries.length - 1];
  }

  /** Observed instants of what is waiting, oldest first (for logs and tests). */
  pending(): { seq: number; observedAt: string; hash: string }[] {
    return this.entries.map((e) => ({
      seq: e.seq,
      observedAt: new Date(e.observedMs).toISOString(),
      hash: e.hash,
    }));
  }

  /** Adds a snapshot; returns the entries dropped to stay within bounds. */
  async append(observedAt: string, hash: string, body: Uint8Array): Promise<SpoolEntry[]> {
    const entry: SpoolEntry = {
      seq: this.nextSeq++,
      observedMs: Date.parse(observedAt),
      hash,
      bytes: body.byteLength,
    };
    if (this.options.dir) {
      const name = `${String(entry.seq).padStart(12, "0")}-${entry.observedMs}-${hash}.json.gz`;
      const file = join(this.options.dir, name);
      // Write then rename: a crash leaves either the whole file or a .tmp that load() removes.
      await writeFile(join(this.options.dir, `.tmp-${name}`), body);
      await rename(join(this.options.dir, `.tmp-${name}`), file);
      entry.file = file;
    } else {
      entry.body = body;
    }
    this.entries.push(entry);
    this.totalBytes += entry.bytes;
    const dropped: SpoolEntry[] = [];
    while (
      this.entries.length > 1 &&
      (this.entries.length > this.options.maxEntries || this.totalBytes > this.options.maxBytes)
    ) {
      const victim = this.shortestLived();
      await this.remove(victim);
      dropped.push(victim);
    }
    return dropped;
  }

  async body(entry: SpoolEntry): Promise<Uint8Array> {
    if (entry.body) return entry.body;
    if (!entry.file) throw new Error(`spool entry ${entry.seq} has no body`);
    return readFile(entry.file);
  }

  async remove(entry: SpoolEntry): Promise<void> {
    const i = this.entries.indexOf(entry);
    if (i < 0) return;
    this.entries.splice(i, 1);
    this.totalBytes -= entry.bytes;
    if (entry.file) await rm(entry.file, { force: true });
  }

  /**
   * Takes a snapshot the API refused out of the queue. On disk it moves to `rejected/` with a
   * sidecar saying why (only the newest `rejectedKept` are kept); returns where, if anywhere.
   */
  async reject(entry: SpoolEntry, rejection: Rejection): Promise<string | undefined> {
    const { dir } = this.options;
    if (!entry.file || !dir) {
      await this.remove(entry);
      return undefined;
    }
    const rejectedDir = join(dir, REJECTED_DIR);
    await mkdir(rejectedDir, { recursive: true });
    const name = basename(entry.file);
    const kept = join(rejectedDir, name);
    await writeFile(
      join(rejectedDir, name.replace(/\.json\.gz$/, SIDECAR)),
      `${JSON.stringify({ ...rejection, observedAt: new Date(entry.observedMs).toISOString(), hash: entry.hash }, null, 2)}\n`,
    );
    await rename(entry.file, kept);
    delete entry.file; // moved: remove() must not delete it
    await this.remove(entry);
    await this.pruneRejected(rejectedDir);
    return kept;
  }

  /** Keeps the newest `rejectedKept` refused snapshots (by observedAt), with their sidecars. */
  private async pruneRejected(rejectedDir: string): Promise<void> {
    const byAge = (await readdir(rejectedDir))
      .map((name) => ({ name, match: FILE.exec(name) }))
      .filter((f) => f.match !== null)
      .sort((a, b) => Number(a.match?.[2]) - Number(b.match?.[2]) || a.name.localeCompare(b.name));
    const excess = byAge.length - (this.options.rejectedKept ?? 10);
    for (const { name } of byAge.slice(0, Math.max(0, excess))) {
      await rm(join(rejectedDir, name), { force: true });
      await rm(join(rejectedDir, name.replace(/\.json\.gz$/, SIDECAR)), { force: true });
    }
  }

  private shortestLived(): SpoolEntry {
    let best = 0;
    let bestGap = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.entries.length - 1; i++) {
      const gap = (this.entries[i + 1] as SpoolEntry).observedMs - (this.entries[i] as SpoolEntry).observedMs;
      if (gap < bestGap) {
        bestGap = gap;
        best = i;
      }
    }
    return this.entries[best] as SpoolEntry;
  }

  private async load(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      if (name === REJECTED_DIR) continue;
      if (name.startsWith(".tmp-")) {
        await rm(join(dir, name), { force: true });
        continue;
      }
      const m = FILE.exec(name);
      if (!m) {
        this.options.logger.warn("ignoring a file in the spool directory that is not a spooled snapshot", {
          file: name,
        });
        continue;
      }
      const file = join(dir, name);
      const { size } = await stat(file);
      this.entries.push({
        seq: Number(m[1]),
        observedMs: Number(m[2]),
        hash: m[3] as string,
        bytes: size,
        file,
      });
      this.totalBytes += size;
    }
    this.entries.sort((a, b) => a.seq - b.seq);
    this.nextSeq = (this.entries[this.entries.length - 1]?.seq ?? 0) + 1;
    if (this.entries.length > 0) {
      this.options.logger.info("spooled snapshots found from an earlier run; they will be sent first", {
        dir,
        snapshots: this.entries.length,
        bytes: this.totalBytes,
      });
    }
  }
}
