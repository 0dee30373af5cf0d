/**
 * Node listener reports from what admins already collect, for --from-file: `ss -anpltH` /
 * `ss -anpluH` output (one node's, or openshift-kni/commatrix's `node: <name>` blocks) and
 * /proc/net/{tcp,tcp6,udp,udp6} with ip_local_port_range. The contract's parsers read the text
 * (src/contract/listener-parsers/); this module gathers their results per node and refuses what
 * cannot be sent. Pure: the caller reads the files.
 */
import type { ByteOrder } from "../../../src/contract/listener-parsers/address.js";
import type {
  ListenerParse,
  ListenerParseIssue,
} from "../../../src/contract/listener-parsers/listener-set.js";
import { type ProcNetFiles, parseProcNetNode } from "../../../src/contract/listener-parsers/proc-net.js";
import { mergeNodeListeners, parseSsNode, parseSsNodes } from "../../../src/contract/listener-parsers/ss.js";
import type { ListenerProtocol, NodeListeners } from "../../../src/contract/listeners.js";
import { UnusableInputError } from "./input-error.js";

/** One listener input named on the command line; without `node` the input names its nodes itself. */
export type ListenerSource =
  | { kind: "ss"; protocol: ListenerProtocol; node?: string; path: string }
  | { kind: "proc-net"; node?: string; path: string };

/** A listener input the agent cannot send: exit 2, nothing pushed. */
export class ListenerInputError extends UnusableInputError {}

/** Lines a parser passed over in one input, for the operator to see (they never fail the import). */
export interface SkippedLines {
  /** the file (and node, for a /proc directory of several nodes) */
  where: string;
  skipped: number;
  issues: ListenerParseIssue[];
}

export class ListenerImport {
  private readonly parts: NodeListeners[][] = [];
  /** Where each node's report came from, to name the file in a refusal. */
  private readonly sources = new Map<string, string[]>();
  readonly skipped: SkippedLines[] = [];

  /** An ss capture: one node's (`node` given) or commatrix blocks, each started by `node: <name>`. */
  addSs(where: string, text: string, protocol: ListenerProtocol, node?: string): void {
    if (node !== undefined) {
      const parsed = this.accepted(where, parseSsNode(node, text, protocol));
      this.add(where, [parsed]);
      return;
    }
    const parsed = this.accepted(where, parseSsNodes(text, protocol));
    if (parsed.length === 0) {
      throw new ListenerInputError(
        `${where} holds no "node: <name>" line, so it does not say whose sockets these are: for one node's capture write NODE:${where}`,
      );
    }
    this.add(where, parsed);
  }

  /** One node's /proc/net files (any of the four, and ip_local_port_range when there is one). */
  addProcNet(where: string, node: string, files: ProcNetFiles, byteOrder: ByteOrder): void {
    this.add(where, [this.accepted(where, parseProcNetNode(node, files, { byteOrder }))]);
  }

  /**
   * One report per node, every input of a node merged (TCP and UDP files, several /proc files).
   * A report for a node the dump does not list would be refused by the API (UNKNOWN_NODE): it is a
   * mistake in the command (a node name or a file from another cluster), so it is refused here,
   * naming the node and where its report came from.
   */
  reports(nodeNames: ReadonlySet<string>): NodeListeners[] {
    const unknown = [...this.sources.keys()].filter((node) => !nodeNames.has(node));
    if (unknown.length > 0) {
      const named = unknown
        .slice(0, 10)
        .map((node) => `"${node}" (from ${(this.sources.get(node) ?? []).join(", ")})`)
        .join(", ");
      const more = unknown.length > 10 ? ` and ${unknown.length - 10} more` : "";
      throw new ListenerInputError(
        `listeners are given for ${unknown.length === 1 ? "a node" : "nodes"} the node list does not hold: ${named}${more}. Check the node names (kubectl get nodes) and that the captures are of this cluster.`,
      );
    }
    const merged = mergeNodeListeners(...this.parts);
    if (!merged.ok)
      throw new ListenerInputError(`listener input refused: ${merged.message} (${merged.code})`);
    return merged.value;
  }

  private accepted<T>(where: string, parsed: ListenerParse<T>): T {
    if (!parsed.ok) throw new ListenerInputError(`${where} refused: ${parsed.message} (${parsed.code})`);
    if (parsed.skipped > 0) this.skipped.push({ where, skipped: parsed.skipped, issues: parsed.issues });
    return parsed.value;
  }

  private add(where: string, reports: NodeListeners[]): void {
    this.parts.push(reports);
    for (const report of reports) {
      const from = this.sources.get(report.node) ?? [];
      if (!from.includes(where)) from.push(where);
      this.sources.set(report.node, from);
    }
  }
}
