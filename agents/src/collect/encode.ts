/**
 * One pass over a canonical, sorted snapshot that yields both the gzipped request body and the
 * contract's state hash, written piece by piece: a 50,000-pod snapshot never exists as one 60 MB
 * string. The hashed text comes from the contract's stateTextPieces, so its layout is spelt once.
 */
import { createHash } from "node:crypto";
import { once } from "node:events";
import { createGzip } from "node:zlib";
import { stateTextPieces } from "../../../src/contract/canonical.js";
import type { NodeListeners } from "../../../src/contract/listeners.js";
import type { SnapshotIngressController, SnapshotNode, SnapshotPod } from "../../../src/contract/snapshot.js";

export interface SnapshotHeader {
  schemaVersion: number;
  cluster: string;
  observedAt: string;
  agent?: { version: string; mode: string };
}

export interface EncodedSnapshot {
  /** Same value as the contract's stateHash(canonicalState(snapshot)). */
  hash: string;
  /** The snapshot as gzipped JSON, ready for POST /v1/snapshots. */
  body: Buffer;
}

const CHUNK = 64 * 1024;

/** Gzips text written piece by piece, in chunks, into one buffer. */
export class GzipWriter {
  private readonly gzip = createGzip();
  private readonly out: Buffer[] = [];
  private readonly finished = once(this.gzip, "end");
  private pending = "";

  constructor() {
    this.gzip.on("data", (chunk: Buffer) => this.out.push(chunk));
  }

  async write(text: string): Promise<void> {
    this.pending += text;
    if (this.pending.length >= CHUNK) await this.flush();
  }

  async end(): Promise<Buffer> {
    await this.flush();
    this.gzip.end();
    await this.finished;
    return Buffer.concat(this.out);
  }

  private async flush(): Promise<void> {
    if (this.pending === "") return;
    const chunk = this.pending;
    this.pending = "";
    if (!this.gzip.write(chunk)) await once(this.gzip, "drain");
  }
}

/** The envelope's fields before the state: schemaVersion, cluster, observedAt, agent. */
export function envelopeHead(header: SnapshotHeader): string {
  const agent = header.agent ? `,"agent":${JSON.stringify(header.agent)}` : "";
  return `{"schemaVersion":${JSON.stringify(header.schemaVersion)},"cluster":${JSON.stringify(header.cluster)},"observedAt":${JSON.stringify(header.observedAt)}${agent}`;
}

export async function encodeSnapshot(
  header: SnapshotHeader,
  nodes: readonly SnapshotNode[],
  pods: readonly SnapshotPod[],
  /** Canonical and sorted; none (or none served) are left out of both the hash and the body. */
  ingressControllers: readonly SnapshotIngressController[] = [],
  /** Canonical (canonicalReport) and sorted by node; none are left out of both the hash and the body. */
  nodeListeners: readonly NodeListeners[] = [],
): Promise<EncodedSnapshot> {
  const hash = createHash("sha256");
  const body = new GzipWriter();
  // The hashed text's head is {"cluster":…; the body's is the whole envelope. Every later piece is in both.
  let head = true;
  for (const piece of stateTextPieces(header.cluster, nodes, pods, ingressControllers, nodeListeners)) {
    hash.update(piece);
    await body.write(head ? envelopeHead(header) : piece);
    head = false;
  }
  return { hash: hash.digest("hex"), body: await body.end() };
}
