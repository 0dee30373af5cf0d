/**
 * CPU profile of the fixed per-push cost: one 50-node cluster (or `nodes`), pushed whole once, then
 * `count` ~1 % churn deltas (A → B, B → A, …) and `count` heartbeats, bodies built before the timed
 * loops so only the server's work is measured and profiled. Writes `<out>-delta.cpuprofile` and
 * `<out>-heartbeat.cpuprofile` and prints wall and CPU ms per push (this process: the app, not
 * PostgreSQL). Usage: npx tsx bench/push-profile.ts [nodes=50] [count=300] [out=push]
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { performance } from "node:perf_hooks";
import { createApp } from "../src/app.js";
import { churnPair, deltaBody, heartbeatBody, wholeBody } from "./push-bodies.js";
import { openScratchDatabase } from "./scratch-database.js";

const nodes = Number(process.argv[2] ?? 50);
const count = Number(process.argv[3] ?? 300);
const out = process.argv[4] ?? "push";

const { handle, drop } = await openScratchDatabase("portolan_profile");
try {
  const app = createApp({
    database: handle,
    auth: { adminToken: undefined, openAccess: true },
    staleAfterSeconds: 600,
    maxSnapshotBytes: 512 * 1024 * 1024,
  });
  const res = await app.request("/trpc/clusters.register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "profiled" }),
  });
  const token = ((await res.json()) as { result: { data: { token: string } } }).result.data.token;
  const send = async (body: Buffer) => {
    const answer = await app.request("/v1/snapshots", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "content-encoding": "gzip",
        authorization: `Bearer ${token}`,
      },
      // A Node Buffer is a valid fetch body; the DOM typings only name ArrayBuffer-backed views.
      body: body as Uint8Array<ArrayBuffer>,
    });
    if (answer.status !== 200) throw new Error(`push answered ${answer.status}: ${await answer.text()}`);
    await answer.arrayBuffer();
  };
  const at = (i: number) => new Date(Date.UTC(2026, 10, 27, 10, 0, i)).toISOString();
  const { a, ca, cb, ab, ba } = churnPair("profiled", nodes, at(0));
  await send(wholeBody(a));
  let second = 1;
  const deltas: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const observedAt = at(second++);
    deltas.push(
      i % 2 === 0
        ? await deltaBody("profiled", observedAt, ca, cb, ab)
        : await deltaBody("profiled", observedAt, cb, ca, ba),
    );
  }
  const last = count % 2 === 0 ? ca.hash : cb.hash;
  const heartbeats: Buffer[] = [];
  for (let i = 0; i < count; i++) heartbeats.push(await heartbeatBody("profiled", at(second++), last));
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  const phase = async (name: string, bodies: Buffer[]) => {
    // The first tenth warms up (JIT, caches) outside the profile.
    const warm = Math.floor(bodies.length / 10);
    for (const body of bodies.slice(0, warm)) await send(body);
    await session.post("Profiler.start");
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (const body of bodies.slice(warm)) await send(body);
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpu);
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(`${out}-${name}.cpuprofile`, JSON.stringify(profile));
    const n = bodies.length - warm;
    console.log(
      JSON.stringify({
        phase: name,
        pushes: n,
        wallMs: +(ms / n).toFixed(2),
        cpuMs: +((used.user + used.system) / 1000 / n).toFixed(2),
      }),
    );
  };
  await phase("delta", deltas);
  await phase("heartbeat", heartbeats);
} finally {
  await drop();
}
