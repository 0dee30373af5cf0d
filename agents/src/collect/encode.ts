/**
 * One pass over a canonical, sorted snapshot that yields both the gzipped request body and the
 * server's state hash (SHA-256 of JSON.stringify({cluster, nodes, pods}), see src/domain/canonical.ts),
 * written piece by piece: a 50,000-pod snapshot never exists as one 60 MB string.
 */
import { createHash } from "node:crypto";
import { once } from "node:events";
import { createGzip } from "node:zlib";
import type { SnapshotNode, SnapshotPod } from "../../../src/contract/snapshot.js";

export interface SnapshotHeader {
  schemaVersion: number;
  cluster: string;
  observedAt: string;
  agent?: { version: string; mode: string };
}

export interface EncodedSnapshot {
  /** Same value as the server's stateHash(canonicalState(snapshot)). */
  hash: string;
  /** The snapshot as gzipped JSON, ready for POST /v1/snapshots. */
  body: Buffer;
}

const CHUNK = 64 * 1024;

export async function encodeSnapshot(
  header: SnapshotHeader,
  nodes: readonly SnapshotNode[],
  pods: readonly SnapshotPod[],
): Promise<EncodedSnapshot> {
  const hash = createHash("sha256");
  const gzip = createGzip();
  const out: Buffer[] = [];
  gzip.on("data", (chunk: Buffer) => out.push(chunk));
  const finished = once(gzip, "end");

  let pending = "";
  const flush = async () => {
    if (pending === "") return;
    const chunk = pending;
    pending = "";
    if (!gzip.write(chunk)) await once(gzip, "drain");
  };
  /** Text that is in both the state (hashed) and the body. */
  const both = async (text: string) => {
    hash.update(text);
    pending += text;
    if (pending.length >= CHUNK) await flush();
  };

  // Body: the full envelope; hash: {"cluster":…,"nodes":[…],"pods":[…]} exactly as JSON.stringify writes it.
  const cluster = JSON.stringify(header.cluster);
  pending += `{"schemaVersion":${JSON.stringify(header.schemaVersion)},"cluster":${cluster},"observedAt":${JSON.stringify(header.observedAt)}`;
  if (header.agent) pending += `,"agent":${JSON.stringify(header.agent)}`;
  hash.update(`{"cluster":${cluster}`);
  await both(`,"nodes":[`);
  for (let i = 0; i < nodes.length; i++) await both((i > 0 ? "," : "") + JSON.stringify(nodes[i]));
  await both(`],"pods":[`);
  for (let i = 0; i < pods.length; i++) await both((i > 0 ? "," : "") + JSON.stringify(pods[i]));
  await both("]}");
  await flush();
  gzip.end();
  await finished;
  return { hash: hash.digest("hex"), body: Buffer.concat(out) };
}
