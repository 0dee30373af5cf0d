/**
 * A stand-in for the Portolan API's POST /v1/snapshots: records what agents push (decoded; a delta
 * as the whole snapshot it stands for, node listener reports included) and answers what the test says
 * (up, down with 503, or any status). As the real API does, it refuses a body the contract refuses
 * (400 with the contract's code), a delta against another base than the last accepted state (409
 * BASE_MISMATCH), and a delta whose listener report names a node the resulting state lacks (400
 * UNKNOWN_NODE). The end-to-end test uses the real server; this one makes outages and odd
 * answers easy to stage.
 */
import { EventEmitter } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { canonicalState, stateHash } from "../../../src/contract/canonical.js";
import type { NodeListeners } from "../../../src/contract/listeners.js";
import {
  parseDelta,
  parseSnapshot,
  type Snapshot,
  type SnapshotDelta,
  type SnapshotNode,
  type SnapshotPod,
} from "../../../src/contract/snapshot.js";

export interface ReceivedPush {
  snapshot: Snapshot;
  token: string | undefined;
  status: number;
  /** sent as a delta */
  delta: boolean;
  /** the body had an ingressControllers member (plain Kubernetes agents leave it out) */
  carriedIngressControllers: boolean;
  /** the body (its `delta`, for a delta) had a nodeListeners member */
  carriedNodeListeners: boolean;
  /** a delta's changes as sent (before they were applied) */
  sentDelta?: SnapshotDelta["delta"];
}

const emptyChanges = { upsert: [], remove: [] };

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The whole snapshot a delta stands for, applied to `base`. */
function applied(base: Snapshot, body: SnapshotDelta): Snapshot {
  const nodes = new Map(base.nodes.map((n): [string, SnapshotNode] => [n.name, n]));
  const pods = new Map(base.pods.map((p): [string, SnapshotPod] => [`${p.namespace}/${p.name}`, p]));
  for (const name of body.delta.nodes.remove) nodes.delete(name);
  for (const node of body.delta.nodes.upsert) nodes.set(node.name, node);
  for (const [namespace, name] of body.delta.pods.remove) pods.delete(`${namespace}/${name}`);
  for (const pod of body.delta.pods.upsert) pods.set(`${pod.namespace}/${pod.name}`, pod);
  // A node removed takes its report with it; absent, the reports are unchanged.
  const reports = new Map((base.nodeListeners ?? []).map((r): [string, NodeListeners] => [r.node, r]));
  const listenerChanges = body.delta.nodeListeners ?? emptyChanges;
  for (const name of body.delta.nodes.remove) reports.delete(name);
  for (const name of listenerChanges.remove) reports.delete(name);
  for (const report of listenerChanges.upsert) reports.set(report.node, report);
  const { delta: _, ...envelope } = body;
  return {
    ...envelope,
    nodes: [...nodes.values()].sort((a, b) => byString(a.name, b.name)),
    pods: [...pods.values()].sort((a, b) => byString(a.namespace, b.namespace) || byString(a.name, b.name)),
    ingressControllers: body.delta.ingressControllers ?? base.ingressControllers,
    ...(reports.size > 0
      ? { nodeListeners: [...reports.values()].sort((a, b) => byString(a.node, b.node)) }
      : {}),
  };
}

/** The contract's verdict on a body, and for a delta the rule only the base state can check. */
function refusalCode(body: Snapshot | SnapshotDelta, result: Snapshot | undefined): string | undefined {
  const parsed = "delta" in body ? parseDelta(body) : parseSnapshot(body);
  if (!parsed.ok) return parsed.code;
  if (!result) return undefined;
  const nodes = new Set(result.nodes.map((n) => n.name));
  return (result.nodeListeners ?? []).some((r) => !nodes.has(r.node)) ? "UNKNOWN_NODE" : undefined;
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
  /** The last accepted state and its hash: the base a delta must name. */
  private last: { snapshot: Snapshot; hash: string } | undefined;
  private readonly server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const json = req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw;
      const body = JSON.parse(json.toString("utf8")) as Snapshot | SnapshotDelta;
      const delta = "delta" in body;
      let status = this.status;
      let code = this.code;
      const mismatch = delta && body.delta.base !== this.last?.hash;
      if (status === 200 && mismatch) [status, code] = [409, "BASE_MISMATCH"];
      const carriedIngressControllers = "ingressControllers" in (delta ? body.delta : body);
      const carriedNodeListeners = "nodeListeners" in (delta ? body.delta : body);
      const snapshot = !delta
        ? { ...body, ingressControllers: body.ingressControllers ?? [] }
        : this.last && !mismatch
          ? applied(this.last.snapshot, body)
          : { ...body, nodes: [], pods: [], ingressControllers: [] };
      const refused =
        status === 200 ? refusalCode(body, delta && !mismatch ? snapshot : undefined) : undefined;
      if (refused) [status, code] = [400, refused];
      if (status === 200 && snapshot.observedAt <= this.lastObservedAt) status = 409;
      if (status === 200) {
        this.lastObservedAt = snapshot.observedAt;
        this.last = { snapshot, hash: stateHash(canonicalState(snapshot)) };
      }
      const push = {
        snapshot,
        token: req.headers.authorization?.replace(/^Bearer /, ""),
        status,
        delta,
        carriedIngressControllers,
        carriedNodeListeners,
        ...(delta ? { sentDelta: body.delta } : {}),
      };
      this.pushes.push(push);
      res.writeHead(status, { "content-type": "application/json", ...(status === 200 ? {} : this.headers) });
      res.end(
        JSON.stringify(
          status === 200
            ? { changed: true, opened: 0, closed: 0, snapshotId: this.pushes.length }
            : {
                error: {
                  code: code ?? (status === 409 ? "STALE_SNAPSHOT" : `HTTP_${status}`),
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
