/** --dry-run: snapshots go to stdout instead of the API. */
import { promisify } from "node:util";
import { gunzip as gunzipCallback } from "node:zlib";
import type { OfferedSnapshot, SnapshotSink } from "./pusher.js";

const gunzip = promisify(gunzipCallback);

export class SnapshotPrinter implements SnapshotSink {
  constructor(
    private readonly write: (text: string) => void,
    /** One indented document (--once) or one line per snapshot (watch mode, for `jq -c` pipelines). */
    private readonly style: "document" | "lines",
  ) {}

  async offer({ body, kind }: OfferedSnapshot): Promise<void> {
    // Heartbeats repeat the state; in watch mode only changes are printed.
    if (kind === "heartbeat" && this.style === "lines") return;
    const json = (await gunzip(body)).toString("utf8");
    this.write(`${this.style === "document" ? JSON.stringify(JSON.parse(json), null, 2) : json}\n`);
  }
}
