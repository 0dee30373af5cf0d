/**
 * The node reports the agent holds, between the receiver and the cluster state. A report is passed on
 * (ClusterState.nodeListenerSink) while its node is in the cluster; it expires when its reader missed
 * `missedHeartbeats` heartbeats (the reader's own interval, from its header), and goes when the node
 * leaves the cluster. A report for a node the watch has not listed yet is held until it appears.
 * A pod-tier report is passed on with its owners resolved to pods (pod-owners.ts); one the pods
 * known then could not fully resolve is resolved again at each sweep after the pods changed.
 */
import type { NodeListeners } from "../../../src/contract/listeners.js";
import type { Logger } from "../ops/log.js";
import { type PodLookup, resolveOwners } from "./pod-owners.js";
import type { ProcessOwner } from "./protocol.js";

export interface ListenerTarget {
  nodes: ReadonlyMap<string, unknown>;
  nodeListenerSink: { upsert(node: string, report: NodeListeners | null): void };
  /** the pods a pod-tier report's owners are resolved against; without it they stay unresolved */
  podOwners?: PodLookup;
}

interface Held {
  report: NodeListeners;
  owners: readonly ProcessOwner[] | undefined;
  receivedAt: number;
  expiresAt: number;
  passedOn: boolean;
  /** the lookup's version the passed-on form was resolved with, while it was not complete */
  retryAfter: number | undefined;
  /** pod UIDs and container ids of owners nobody could name, looked for again at each sweep */
  unknownPods: ReadonlySet<string>;
}

const NO_PODS: PodLookup = { version: 0, byContainer: () => undefined, byUid: () => undefined };

export interface ReportBookOptions {
  missedHeartbeats: number;
  /** owners in pods nobody could name: look for them (node-pods.ts); forget when the report goes */
  unknownPods?: { lookFor(node: string, wanted: ReadonlySet<string>): void; forget(node: string): void };
  now: () => number;
  logger: Logger;
}

export class ReportBook {
  private readonly held = new Map<string, Held>();
  private target: ListenerTarget | undefined;

  constructor(private readonly options: ReportBookOptions) {}

  /** Nodes with a live report (passed on or waiting for the node to be listed). */
  get size(): number {
    return this.held.size;
  }

  has(node: string): boolean {
    return this.held.has(node);
  }

  /** Whether the node's report is in the cluster state (its node is listed). */
  passedOn(node: string): boolean {
    return this.held.get(node)?.passedOn === true;
  }

  /** The cluster state, once watch mode made it: held reports of listed nodes are passed on. */
  attach(target: ListenerTarget): void {
    this.target = target;
    this.sweep();
  }

  accept(report: NodeListeners, heartbeatMs: number, owners?: readonly ProcessOwner[]): void {
    const now = this.options.now();
    const entry: Held = {
      report,
      owners,
      receivedAt: now,
      expiresAt: now + heartbeatMs * this.options.missedHeartbeats,
      passedOn: false,
      retryAfter: undefined,
      unknownPods: new Set(),
    };
    this.held.set(report.node, entry);
    if (this.target?.nodes.has(report.node)) this.passOn(report.node, entry);
  }

  /** Expiry and node departures; also passes on reports whose node has since been listed. */
  sweep(): void {
    const now = this.options.now();
    for (const [node, entry] of this.held) {
      const listed = this.target?.nodes.has(node) ?? false;
      if (entry.expiresAt <= now) {
        this.options.logger.warn("node listener report expired: its reader stopped reporting", {
          node,
          lastReport: new Date(entry.receivedAt).toISOString(),
        });
        this.drop(node, entry);
      } else if (entry.passedOn && !listed) {
        this.options.logger.info("node left the cluster: its listener report is dropped", { node });
        this.drop(node, entry);
      } else if (!entry.passedOn && listed) {
        this.passOn(node, entry);
      } else if (entry.retryAfter !== undefined) {
        if (entry.retryAfter !== (this.target?.podOwners ?? NO_PODS).version) this.passOn(node, entry);
        // A node's pods are listed at most once a minute: a newer pod is looked for again later.
        else if (entry.unknownPods.size > 0) this.options.unknownPods?.lookFor(node, entry.unknownPods);
      }
    }
  }

  /** Resolves the report's owners with the pods known now and hands it to the cluster state. */
  private passOn(node: string, entry: Held): void {
    const lookup = this.target?.podOwners ?? NO_PODS;
    const resolved = resolveOwners(entry.report, entry.owners, lookup);
    const incomplete = resolved.unresolved + resolved.withoutContainer > 0;
    if (incomplete && entry.retryAfter === undefined) {
      this.options.logger.info("some listeners' pods are not known yet; resolved again when pods change", {
        node,
        unresolved: resolved.unresolved,
        withoutContainer: resolved.withoutContainer,
      });
    }
    entry.retryAfter = incomplete ? lookup.version : undefined;
    entry.unknownPods = resolved.unknownPods;
    if (resolved.unknownPods.size > 0) this.options.unknownPods?.lookFor(node, resolved.unknownPods);
    this.target?.nodeListenerSink.upsert(node, resolved.report);
    entry.passedOn = true;
  }

  private drop(node: string, entry: Held): void {
    this.held.delete(node);
    this.options.unknownPods?.forget(node);
    if (entry.passedOn) this.target?.nodeListenerSink.upsert(node, null);
  }
}
