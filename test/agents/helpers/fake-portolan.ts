/**
 * A stand-in for the Portolan API's POST /v1/snapshots: records what agents push (decoded) and
 * answers what the test says (up, down with 503, or any status). The end-to-end test uses the real
 * server; this one makes outages and odd answers easy to stage.
 */
import { EventEmitter } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import type { Snapshot } from "../../../src/contract/snapshot.js";

export interface ReceivedPush {
  snapshot: Snapshot;
  token: string | undefined;
  status: number;
}

export class FakePortolan {
  readonly events = new EventEmitter();
  readonly pushes: ReceivedPush[] = [];
  /** The status to answer; 200 accepts (and enforces increasing observedAt like the real API). */
  status = 200;
  /** The error code sent with a staged error status (default STALE_SNAPSHOT for 409, else HTTP_<status>). */
  code: string | undefined;
  /** Extra response headers for staged answers (e.g. retry-after). */
  headers: Record<string, string> = {};
  private lastObservedAt = "";
  private readonly server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const json = req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw;
      const snapshot = JSON.parse(json.toString("utf8")) as Snapshot;
      let status = this.status;
      if (status === 200 && snapshot.observedAt <= this.lastObservedAt) status = 409;
      if (status === 200) this.lastObservedAt = snapshot.observedAt;
      const push = { snapshot, token: req.headers.authorization?.replace(/^Bearer /, ""), status };
      this.pushes.push(push);
      res.writeHead(status, { "content-type": "application/json", ...(status === 200 ? {} : this.headers) });
      res.end(
        JSON.stringify(
          status === 200
            ? { changed: true, opened: 0, closed: 0, snapshotId: this.pushes.length }
            : {
                error: {
                  code: this.code ?? (status === 409 ? "STALE_SNAPSHOT" : `HTTP_${status}`),
                  message: "staged answer",
                },
              },
        ),
      );
      this.events.emit("push", push);
    });
  });
  url = "";

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  accepted(): Snapshot[] {
    return this.pushes.filter((p) => p.status === 200).map((p) => p.snapshot);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
