/**
 * Node listener reports in the snapshot contract: what each node really listens on, beside what its
 * pods declare (docs/snapshot-contract.md, "Node listeners"). A report is one node's whole listener
 * set at the snapshot's instant; addresses are normalised to the contract's canonical text and the
 * scope is derived from the address, never trusted from the sender.
 */
import * as z from "zod";
import {
  dns1123LabelSchema,
  dns1123SubdomainSchema,
  MAX_LISTENERS,
  MAX_LISTENERS_PER_NODE,
  MAX_PROCESSES_PER_LISTENER,
  storableText,
} from "./bounds.js";
import type { IssueList, Path } from "./issues.js";
import { textAddress } from "./listener-parsers/address.js";
import { listenerKey, type NodeListeners, type ObservedListener } from "./listeners.js";
import { tooManyListenersMessage } from "./precheck.js";
import { STEP_CHUNK, type Steps } from "./steps.js";

/** The kernel's comm is at most 15 characters (TASK_COMM_LEN 16 with its NUL). */
const processSchema = z.object({
  name: storableText(15).min(1),
  pid: z.number().int().min(1).max(4_194_304).optional(),
});

const portNumber = z.number().int().min(1).max(65535);

/**
 * One listener as sent. `family` may be omitted (taken from the address); it must be given as 6 for a
 * v4-mapped or dual-stack IPv6 socket written as its IPv4 address. `scope` is accepted and ignored.
 */
export const observedListenerSchema = z
  .object({
    protocol: z.enum(["TCP", "UDP"]),
    address: storableText(45).min(1),
    family: z.union([z.literal(4), z.literal(6)]).optional(),
    port: portNumber,
    scope: z.enum(["wildcard", "loopback", "address"]).optional(),
    dualStack: z.boolean().optional(),
    /** IFNAMSIZ is 16 with its NUL */
    interface: storableText(15).min(1).optional(),
    processes: z.array(processSchema).max(MAX_PROCESSES_PER_LISTENER).default([]),
    pod: z
      .object({
        namespace: dns1123LabelSchema,
        name: dns1123SubdomainSchema,
        container: dns1123LabelSchema.optional(),
      })
      .optional(),
  })
  .transform((raw, ctx): ObservedListener => {
    const parsed = textAddress(raw.address);
    if (!parsed) {
      ctx.addIssue({
        code: "custom",
        path: ["address"],
        message: `"${raw.address}" is not an IPv4 or IPv6 address`,
        params: { portolanCode: "INVALID_ADDRESS" },
      });
      return z.NEVER;
    }
    const writtenAsIpv6 = raw.address.includes(":");
    if (writtenAsIpv6 && raw.family === 4) {
      ctx.addIssue({
        code: "custom",
        path: ["family"],
        message: "family 4 with an IPv6 address",
        params: { portolanCode: "INVALID_ADDRESS" },
      });
      return z.NEVER;
    }
    const family: 4 | 6 = writtenAsIpv6 ? 6 : (raw.family ?? 4);
    const listener: ObservedListener = {
      protocol: raw.protocol,
      address: parsed.address,
      family,
      port: raw.port,
      scope: parsed.scope,
      processes: raw.processes,
    };
    // Only an IPv6 wildcard can also accept IPv4; elsewhere the flag would mean nothing.
    if (raw.dualStack !== undefined && family === 6 && parsed.scope === "wildcard") {
      listener.dualStack = raw.dualStack;
    }
    if (raw.interface !== undefined) listener.interface = raw.interface;
    if (raw.pod !== undefined) listener.pod = raw.pod;
    return listener;
  });

const localPortRangeSchema = z
  .object({ from: portNumber, to: portNumber })
  .refine((range) => range.from <= range.to, { message: "from must not be above to" });

/** One node's report, its listeners left unparsed: they are parsed one at a time (parseReportSteps). */
export const nodeListenersEnvelopeSchema = z.object({
  node: dns1123SubdomainSchema,
  attribution: z.enum(["none", "process", "pod"]).default("none"),
  localPortRange: localPortRangeSchema.optional(),
  listeners: z.array(z.unknown()).max(MAX_LISTENERS_PER_NODE),
});

/** A whole report under one schema: the JSON Schema and the input type come from it. */
export const nodeListenersSchema = nodeListenersEnvelopeSchema.extend({
  listeners: z.array(observedListenerSchema).max(MAX_LISTENERS_PER_NODE),
});

export type NodeListenersInput = z.input<typeof nodeListenersSchema>;

/** The report list of a snapshot (or a delta's upserts), bounded by the nodes a state may hold. */
export const nodeListenersListSchema = (max: number) => z.array(z.unknown()).max(max).optional();

/** Reports parsed one at a time, listeners in chunks, issues collected up to the list's bound. */
export function* parseNodeListenersSteps(
  raw: readonly unknown[],
  prefix: Path,
  list: IssueList,
): Steps<NodeListeners[]> {
  const reports: NodeListeners[] = [];
  let sinceStop = 0;
  for (let i = 0; i < raw.length && !list.full; i++) {
    const envelope = nodeListenersEnvelopeSchema.safeParse(raw[i]);
    if (!envelope.success) {
      list.addZod(envelope.error, [...prefix, i]);
      continue;
    }
    const listeners: ObservedListener[] = [];
    const items = envelope.data.listeners;
    for (let j = 0; j < items.length && !list.full; j++) {
      const listener = observedListenerSchema.safeParse(items[j]);
      if (listener.success) listeners.push(listener.data);
      else list.addZod(listener.error, [...prefix, i, "listeners", j]);
      if (++sinceStop >= STEP_CHUNK) {
        sinceStop = 0;
        yield;
      }
    }
    const report: NodeListeners = {
      node: envelope.data.node,
      attribution: envelope.data.attribution,
      listeners,
    };
    if (envelope.data.localPortRange) report.localPortRange = envelope.data.localPortRange;
    reports.push(report);
  }
  return reports;
}

/**
 * Rules across reports: one report per node, each listener once per node, reports only for nodes the
 * state holds (`nodeNames`, or null when only the server's base state can tell), and the total bound.
 * Returns the reported node names.
 */
export function checkNodeListeners(
  reports: readonly NodeListeners[],
  prefix: Path,
  list: IssueList,
  nodeNames: ReadonlySet<string> | null,
): Set<string> {
  const reported = new Set<string>();
  let total = 0;
  reports.forEach((report, i) => {
    if (reported.has(report.node)) {
      list.add(
        "DUPLICATE_NODE",
        [...prefix, i, "node"],
        `node "${report.node}" has more than one listener report`,
      );
    }
    reported.add(report.node);
    if (nodeNames && !nodeNames.has(report.node)) {
      list.add(
        "UNKNOWN_NODE",
        [...prefix, i, "node"],
        `listeners are reported for node "${report.node}", which is not in the snapshot's nodes`,
      );
    }
    const seen = new Set<string>();
    report.listeners.forEach((listener, j) => {
      const identity = listenerKey(listener);
      if (seen.has(identity)) {
        list.add(
          "DUPLICATE_LISTENER",
          [...prefix, i, "listeners", j],
          `node "${report.node}" reports ${listener.protocol} ${listener.address}:${listener.port} twice (merge its processes into one listener)`,
        );
      }
      seen.add(identity);
    });
    total += report.listeners.length;
  });
  if (total > MAX_LISTENERS) {
    list.add("TOO_MANY_LISTENERS", prefix, tooManyListenersMessage(total));
  }
  return reported;
}
