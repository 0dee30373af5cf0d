/**
 * The node reports the agent holds, between the receiver and the cluster state. A report is passed on
 * (ClusterState.nodeListenerSink) while its node is in the cluster; it expires when its reader missed
 * `missedHeartbeats` heartbeats (the reader's own interval, from its header), and goes when the node
 * leaves the cluster. A report for a node the watch has not listed yet is held until it appears.
 */
import type { NodeListeners } from "../../../src/contract/listeners.js";
import type { Logger } from "../ops/log.js";

export interface ListenerTarget {
  nodes: ReadonlyMap<string, unknown>;
  nodeListenerSink: { upsert(node: string, report: NodeListeners | null): void };
}

interface Held {
  report: NodeListeners;
  receivedAt: number;
  expiresAt: number;
  passedOn: boolean;
}

export interface ReportBookOptions {
  missedHeartbeats: number;
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

  accept(report: NodeListeners, heartbeatMs: number): void {
    const now = this.options.now();
    const entry: Held = {
      report,
      receivedAt: now,
      expiresAt: now + heartbeatMs * this.options.missedHeartbeats,
      passedOn: false,
    };
    this.held.set(report.node, entry);
    if (this.target?.nodes.has(report.node)) {
      this.target.nodeListenerSink.upsert(report.node, report);
      entry.passedOn = true;
    }
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
        this.target?.nodeListenerSink.upsert(node, entry.report);
        entry.passedOn = true;
      }
    }
  }

  private drop(node: string, entry: Held): void {
    this.held.delete(node);
    if (entry.passedOn) this.target?.nodeListenerSink.upsert(node, null);
  }
}
