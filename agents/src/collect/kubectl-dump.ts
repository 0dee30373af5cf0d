/**
 * Reads what `kubectl get nodes -o json`, `kubectl get pods -A -o json`,
 * `kubectl get nodes,pods -A -o json` and `oc get ingresscontrollers -A -o json` print (a List, a
 * NodeList/PodList/IngressControllerList as the API serves it, or one object). Pure: the caller reads
 * the files.
 */
import { UnusableInputError } from "./input-error.js";
import type { KubeIngressController, KubeNode, KubePod } from "./kube-types.js";

export interface KubeObjects {
  nodes: KubeNode[];
  pods: KubePod[];
  /** OpenShift's operator.openshift.io IngressControllers, when the dumps hold any. */
  ingressControllers: KubeIngressController[];
  /** Kinds present in the input that the agent does not use (e.g. `kubectl get nodes,pods,svc`). */
  ignoredKinds: string[];
  /** Whether the input holds a node list, a pod list (even empty, when its kind says so). */
  hasNodeList: boolean;
  hasPodList: boolean;
  /** Whether they hold an IngressController list (then the snapshot carries ingressControllers). */
  hasIngressControllerList: boolean;
  /**
   * Where lists with no items that do not say of what were read (kubectl prints `kind: List` for no
   * objects, whatever was asked): they stand for no list at all, since nothing says which.
   */
  emptyLists: string[];
}

export class DumpError extends Error {}

/** The dumps lack the node or the pod list: the snapshot would close the history of everything missing. */
export class IncompleteDumpError extends UnusableInputError {}

/**
 * The lists the dumps lack, for the caller to refuse: a snapshot built without pods closes every
 * pod's history, one without nodes leaves every pod out. An empty untyped List is none of them:
 * `kubectl get pods -A -o json` on a cluster without pods prints the same as a `kubectl get nodes`
 * that matched nothing, so taking it for the pod list would push "no pods" on a guess.
 */
export function missingLists(objects: KubeObjects): ("nodes" | "pods")[] {
  const missing: ("nodes" | "pods")[] = [];
  if (!objects.hasNodeList) missing.push("nodes");
  if (!objects.hasPodList) missing.push("pods");
  return missing;
}

const itemKindOfList: Record<string, string> = {
  NodeList: "Node",
  PodList: "Pod",
  IngressControllerList: "IngressController",
};

export function readKubeObjects(document: unknown, source: string): KubeObjects {
  const out: KubeObjects = {
    nodes: [],
    pods: [],
    ingressControllers: [],
    ignoredKinds: [],
    hasNodeList: false,
    hasPodList: false,
    hasIngressControllerList: false,
    emptyLists: [],
  };
  addDocument(out, document, source);
  return out;
}

export function mergeKubeObjects(parts: KubeObjects[]): KubeObjects {
  return {
    nodes: parts.flatMap((p) => p.nodes),
    pods: parts.flatMap((p) => p.pods),
    ingressControllers: parts.flatMap((p) => p.ingressControllers),
    ignoredKinds: [...new Set(parts.flatMap((p) => p.ignoredKinds))].sort(),
    hasNodeList: parts.some((p) => p.hasNodeList),
    hasPodList: parts.some((p) => p.hasPodList),
    hasIngressControllerList: parts.some((p) => p.hasIngressControllerList),
    emptyLists: parts.flatMap((p) => p.emptyLists),
  };
}

function addDocument(out: KubeObjects, document: unknown, source: string): void {
  if (!isObject(document)) {
    throw new DumpError(`${source}: expected a Kubernetes object or List as JSON (kubectl get … -o json)`);
  }
  const kind = typeof document.kind === "string" ? document.kind : undefined;
  if (Array.isArray(document.items)) {
    const impliedKind = kind ? itemKindOfList[kind] : undefined;
    if (impliedKind === "Node") out.hasNodeList = true;
    else if (impliedKind === "Pod") out.hasPodList = true;
    else if (impliedKind === "IngressController") out.hasIngressControllerList = true;
    else if (document.items.length === 0) out.emptyLists.push(source);
    document.items.forEach((item, i) => {
      addObject(out, item, impliedKind, `${source}: items[${i}]`);
    });
    return;
  }
  const shapeKind = kind ?? kindFromShape(document);
  if (!shapeKind) throw new DumpError(`${source}: the JSON has neither "items" nor "kind"`);
  addObject(out, document, shapeKind, source);
}

function addObject(out: KubeObjects, item: unknown, impliedKind: string | undefined, where: string): void {
  if (!isObject(item)) throw new DumpError(`${where}: not an object`);
  const kind = typeof item.kind === "string" ? item.kind : impliedKind;
  if (kind === "Node") {
    out.nodes.push(item as KubeNode);
    out.hasNodeList = true;
  } else if (kind === "Pod") {
    out.pods.push(item as KubePod);
    out.hasPodList = true;
  } else if (kind === "IngressController" && isOperatorObject(item)) {
    out.ingressControllers.push(item as KubeIngressController);
    out.hasIngressControllerList = true;
  } else if (!out.ignoredKinds.includes(kind ?? "(no kind)")) out.ignoredKinds.push(kind ?? "(no kind)");
}

/**
 * Objects saved without TypeMeta (OpenShift Insights archives, some support bundles) are still a
 * Pod or a Node by their shape: a pod spec lists containers, a node status reports its nodeInfo.
 */
function kindFromShape(document: Record<string, unknown>): "Pod" | "Node" | undefined {
  const spec = isObject(document.spec) ? document.spec : undefined;
  const status = isObject(document.status) ? document.status : undefined;
  if (Array.isArray(spec?.containers)) return "Pod";
  if (isObject(status?.nodeInfo)) return "Node";
  return undefined;
}

/**
 * IngressController is also a kind of other groups (e.g. projectcontour.io's); only OpenShift's
 * operator.openshift.io one is read. Without apiVersion (saved without TypeMeta) it is taken as OpenShift's.
 */
function isOperatorObject(item: Record<string, unknown>): boolean {
  return item.apiVersion === undefined || item.apiVersion === "operator.openshift.io/v1";
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
