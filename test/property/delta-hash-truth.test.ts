/**
 * Property: a delta's `hash` is only the agent's claim, so no choice of it can make history wrong.
 * Random states are pushed to one server whole or as deltas whose hash is right, the base's, another
 * state's or random, and whose changes are taken from the true state or from the state the agent
 * last named (an agent misled by its own wrong hash). The true state after each acknowledged push is
 * its base's open state with the delta's changes applied (or the whole snapshot); a twin server is
 * given exactly those states whole. Afterwards both hold the same history — so as of every
 * acknowledged push the history is the true state — and every whole push was answered
 * `changed: false` exactly when it equalled the true current state.
 */

import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KeyedState, keyedState, stateChanges } from "../../agents/src/push/delta.js";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import { rawRows } from "../../src/db/raw.js";
import { historyTables, tableName } from "../../src/services/history-tables.js";
import { createHarness, type Harness } from "../helpers/app.js";
import { canonical } from "../helpers/delta-body.js";
import { type StateInput, snapshotOf, stateArb } from "./states.js";

const CLUSTER = "prod-eu-1";
const T0 = Date.parse("2026-01-01T00:00:00Z");
const at = (step: number) => new Date(T0 + step * 60_000).toISOString();

/** A canonical state by key (no IngressControllers here), as the server's open facts stand for it. */
type State = KeyedState;

const stateOf = (input: StateInput, step: number): State => {
  const { state } = canonical(snapshotOf(CLUSTER, at(step), input));
  return keyedState(state.nodes, state.pods);
};
const snapshotOfState = (state: State, step: number): SnapshotInput =>
  snapshotOf(CLUSTER, at(step), { nodes: [...state.nodes], pods: [...state.pods] });
const hashOf = (state: State) => canonical(snapshotOfState(state, 0)).hash;

/** The state a delta's changes lead to from `base`: what the server must hold after it. */
function applied(base: State, changes: ReturnType<typeof stateChanges>): State {
  const nodes = new Map(base.nodes.map((node) => [node.name, node]));
  const pods = new Map(base.pods.map((pod) => [`${pod.namespace}/${pod.name}`, pod]));
  for (const name of changes.nodes.remove) nodes.delete(name);
  for (const node of changes.nodes.upsert) nodes.set(node.name, node);
  for (const [namespace, name] of changes.pods.remove) pods.delete(`${namespace}/${name}`);
  for (const pod of changes.pods.upsert) pods.set(`${pod.namespace}/${pod.name}`, pod);
  return keyedState([...nodes.values()], [...pods.values()]);
}

const holdsUnknownNode = (state: State) => {
  const names = new Set(state.nodes.map((node) => node.name));
  return state.pods.some((pod) => pod.node !== null && !names.has(pod.node));
};

/**
 * The history tables, the pods' templates and the port summary, without ids: what "the same
 * history" means.
 */
async function history(harness: Harness) {
  const rows = (table: string) =>
    rawRows<{ row: string }>(
      harness.database.db,
      sql.raw(`SELECT (to_jsonb(t) - ARRAY['id', 'cluster_id'])::text AS row FROM ${table} t ORDER BY 1`),
    ).then((r) => r.map((x) => x.row));
  const tables = [...historyTables.map(tableName), "pod_templates"];
  const summary = await rawRows<{ s: string }>(
    harness.database.db,
    sql`SELECT port_summary::text AS s FROM clusters`,
  );
  return { ...Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await rows(t)]))), summary };
}

const step = fc.record({
  state: fc.oneof({ weight: 3, arbitrary: stateArb }, { weight: 1, arbitrary: fc.constant("same" as const) }),
  push: fc.oneof(
    { weight: 1, arbitrary: fc.constant({ whole: true as const }) },
    {
      weight: 3,
      arbitrary: fc.record({
        whole: fc.constant(false as const),
        hash: fc.oneof(
          fc.constant("right" as const),
          fc.constant("base" as const),
          stateArb.map((other) => ({ of: other })),
          fc.stringMatching(/^[0-9a-f]{64}$/),
        ),
        /** changes from the true state, or from the state the agent last named */
        from: fc.constantFrom("true" as const, "named" as const),
      }),
    },
  ),
});

describe("a delta's claimed hash", () => {
  let server: Harness;
  let twin: Harness;
  beforeAll(async () => {
    [server, twin] = await Promise.all([createHarness(), createHarness()]);
  });
  afterAll(async () => {
    await Promise.all([server.close(), twin.close()]);
  });

  it("never makes history differ from the true state, whatever hashes deltas claim", async () => {
    await fc.assert(
      fc.asyncProperty(stateArb, fc.array(step, { minLength: 1, maxLength: 6 }), async (initial, steps) => {
        await Promise.all([server.reset(), twin.reset()]);
        const [token, twinToken] = await Promise.all([server.register(CLUSTER), twin.register(CLUSTER)]);
        let truth = stateOf(initial, 0);
        /** the state the agent last named, and the hash it named it by: the next delta's base */
        let named = truth;
        let lastHash = hashOf(truth);
        const first = await Promise.all([
          server.push(token, snapshotOfState(truth, 0)),
          twin.push(twinToken, snapshotOfState(truth, 0)),
        ]);
        expect(first.map((r) => r.status)).toEqual([200, 200]);
        for (const [i, { state, push }] of steps.entries()) {
          const when = i + 1;
          const next = state === "same" ? named : stateOf(state, when);
          if (push.whole) {
            const res = await server.push(token, snapshotOfState(next, when));
            const answer = (await res.json()) as { changed: boolean };
            expect(res.status, JSON.stringify(answer)).toBe(200);
            expect(answer.changed, "a whole push is unchanged iff it is the true state").toBe(
              hashOf(next) !== hashOf(truth),
            );
            truth = next;
            named = next;
            lastHash = hashOf(next);
          } else {
            const changes = stateChanges(push.from === "true" ? truth : named, next);
            const hash =
              push.hash === "right"
                ? hashOf(next)
                : push.hash === "base"
                  ? lastHash
                  : typeof push.hash === "string"
                    ? push.hash
                    : hashOf(stateOf(push.hash.of, when));
            const body = {
              schemaVersion: 1,
              cluster: CLUSTER,
              observedAt: at(when),
              agent: { version: "test", mode: "watch" },
              delta: { base: lastHash, hash, ...changes },
            };
            const res = await server.push(token, body);
            const answer = (await res.json()) as { error?: { code: string } };
            const result = applied(truth, changes);
            if (holdsUnknownNode(result)) {
              expect(res.status, JSON.stringify(answer)).toBe(400);
              expect(answer.error?.code).toBe("UNKNOWN_NODE");
              continue;
            }
            expect(res.status, JSON.stringify(answer)).toBe(200);
            truth = result;
            named = next;
            lastHash = hash;
          }
          const twinRes = await twin.push(twinToken, snapshotOfState(truth, when));
          expect(twinRes.status).toBe(200);
        }
        expect(await history(server)).toEqual(await history(twin));
      }),
      { numRuns: 25 },
    );
  }, 300_000);
});
