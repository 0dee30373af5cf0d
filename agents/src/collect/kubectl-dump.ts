/**
 * Reads what `kubectl get nodes -o json`, `kubectl get pods -A -o json` and
 * `kubectl get nodes,pods -A -o json` print (a List, a NodeList/PodList as the API serves it, or one
 * object). Pure: the caller reads the files.
 */
import type { KubeNode, KubePod } from "./kube-types.js";

export interface KubeObjects {
  nodes: KubeNode[];
  pods: KubePod[];
  /** Kinds present in the input that the agent does not use (e.g. `kubectl get nodes,pods,svc`). */
  ignoredKinds: string[];
}

export class DumpError extends Error {}

const itemKindOfList: Record<string, string> = { NodeList: "Node", PodList: "Pod" };

export function readKubeObjects(document: unknown, source: string): KubeObjects {
  const out: KubeObjects = { nodes: [], pods: [], ignoredKinds: [] };
  addDocument(out, document, source);
  return out;
}

export function mergeKubeObjects(parts: KubeObjects[]): KubeObjects {
  return {
    nodes: parts.flatMap((p) => p.nodes),
    pods: parts.flatMap((p) => p.pods),
    ignoredKinds: [...new Set(parts.flatMap((p) => p.ignoredKinds))].sort(),
  };
}

function addDocument(out: KubeObjects, document: unknown, source: string): void {
  if (!isObject(document)) {
    throw new DumpError(`${source}: expected a Kubernetes object or List as JSON (kubectl get … -o json)`);
  }
  const kind = typeof document.kind === "string" ? document.kind : undefined;
  if (Array.isArray(document.items)) {
    const impliedKind = kind ? itemKindOfList[kind] : undefined;
    document.items.forEach((item, i) => {
      addObject(out, item, impliedKind, `${source}: items[${i}]`);
    });
    return;
  }
  if (!kind) throw new DumpError(`${source}: the JSON has neither "items" nor "kind"`);
  addObject(out, document, undefined, source);
}

function addObject(out: KubeObjects, item: unknown, impliedKind: string | undefined, where: string): void {
  if (!isObject(item)) throw new DumpError(`${where}: not an object`);
  const kind = typeof item.kind === "string" ? item.kind : impliedKind;
  if (kind === "Node") out.nodes.push(item as KubeNode);
  else if (kind === "Pod") out.pods.push(item as KubePod);
  else if (!out.ignoredKinds.includes(kind ?? "(no kind)")) out.ignoredKinds.push(kind ?? "(no kind)");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
