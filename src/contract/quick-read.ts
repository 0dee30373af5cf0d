/**
 * The contract's nodes, pods and ports read by hand: the value their zod schemas (schema.ts) give, at
 * a fraction of the cost (docs/performance.md, "Reading the contract by hand"). zod stays the
 * specification: each reader here either returns exactly what the schema's parse returns (defaults
 * filled in, hostIP "" → 0.0.0.0, protocol "" → TCP, unknown keys dropped, keys in the schema's
 * order) or `undefined` when it is not sure the schema would accept the value, and the caller then
 * asks the schema, which makes the issues. So a refusal's issues are zod's by construction, and
 * test/property/quick-read.test.ts checks that every value read here equals the schema's.
 * Built for what JSON.parse makes: anything unusual (a key present with the value undefined, a label
 * map with an own `constructor` or `__proto__`, a number beyond 2^53) is left to the schema.
 */
import * as z from "zod";
import {
  isDns1123Label,
  isDns1123Subdomain,
  isLabelKey,
  isLabelValue,
  isStorableText,
  KIND,
  MAX_ADDRESSES,
  MAX_AFFINITY_ITEMS,
  MAX_AFFINITY_VALUES,
  MAX_SCHEDULING_MESSAGE,
  MAX_TAINTS,
  MAX_TOLERATIONS,
} from "./bounds.js";
import type { NodeAffinity, SnapshotNode, SnapshotPod, SnapshotPort, Taint, Toleration } from "./schema.js";

type Obj = Record<string, unknown>;

const isObject = (value: unknown): value is Obj =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A key present with the value undefined: zod keeps such a key in its output; JSON never makes one. */
const undefinedButPresent = (o: Obj, key: string) => key in o;

const dnsLabel = (v: unknown): v is string => typeof v === "string" && v.length > 0 && isDns1123Label(v);
const dnsSubdomain = (v: unknown): v is string =>
  typeof v === "string" && v.length > 0 && isDns1123Subdomain(v);
const labelKey = (v: unknown): v is string =>
  typeof v === "string" && v.length <= 253 + 1 + 63 && isLabelKey(v);
const labelValue = (v: unknown): v is string => typeof v === "string" && isLabelValue(v);
const storable = (v: unknown, max: number): v is string =>
  typeof v === "string" && v.length <= max && isStorableText(v);
const portNumber = (v: unknown): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 65535;

const ipv4 = z.regexes.ipv4;
const hostIpSchema = z.union([z.ipv4(), z.ipv6()]);

/**
 * labelsSchema: a plain object of label keys to label values, copied in its own key order. Only
 * objects with Object.prototype (what JSON.parse makes) and without a `constructor` or `__proto__`
 * key are read here; zod's isPlainObject and its skipping of `__proto__` decide the rest.
 */
function labels(v: unknown): Record<string, string> | undefined {
  if (!isObject(v) || Object.getPrototypeOf(v) !== Object.prototype) return undefined;
  const out: Record<string, string> = {};
  for (const key in v) {
    if (key === "__proto__" || key === "constructor" || !Object.hasOwn(v, key)) return undefined;
    const value = v[key];
    if (!labelKey(key) || !labelValue(value)) return undefined;
    out[key] = value;
  }
  return out;
}

/** `.default(fallback)`: undefined (absent) gives the fallback; a present undefined is zod's. */
function withDefault<T>(
  o: Obj,
  key: string,
  read: (v: unknown) => T | undefined,
  fallback: () => T,
): T | undefined {
  const v = o[key];
  if (v === undefined) return undefinedButPresent(o, key) ? undefined : fallback();
  return read(v);
}

function list<T>(v: unknown, max: number, read: (item: unknown) => T | undefined): T[] | undefined {
  if (!Array.isArray(v) || v.length > max) return undefined;
  const out: T[] = new Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const item = read(v[i]);
    if (item === undefined) return undefined;
    out[i] = item;
  }
  return out;
}

const boolean = (v: unknown): boolean | undefined => (typeof v === "boolean" ? v : undefined);

const taintEffects = new Set(["NoSchedule", "PreferNoSchedule", "NoExecute"]);

function taint(v: unknown): Taint | undefined {
  if (!isObject(v)) return undefined;
  const { key, value, effect } = v;
  if (!labelKey(key) || typeof effect !== "string" || !taintEffects.has(effect)) return undefined;
  if (value === undefined) {
    if (undefinedButPresent(v, "value")) return undefined;
    return { key, effect: effect as Taint["effect"] };
  }
  if (!labelValue(value)) return undefined;
  return { key, value, effect: effect as Taint["effect"] };
}

const tolerationOperators = new Set(["Exists", "Equal"]);

/** tolerationSchema: every key optional, so each present one is copied, in the schema's order. */
function toleration(v: unknown): Toleration | undefined {
  if (!isObject(v)) return undefined;
  const { key, operator, value, effect, tolerationSeconds } = v;
  const out: Toleration = {};
  if (key !== undefined) {
    if (!(key === "" || labelKey(key))) return undefined;
    out.key = key;
  } else if (undefinedButPresent(v, "key")) return undefined;
  if (operator !== undefined) {
    if (typeof operator !== "string" || !tolerationOperators.has(operator)) return undefined;
    out.operator = operator as Toleration["operator"];
  } else if (undefinedButPresent(v, "operator")) return undefined;
  if (value !== undefined) {
    if (!labelValue(value)) return undefined;
    out.value = value;
  } else if (undefinedButPresent(v, "value")) return undefined;
  if (effect !== undefined) {
    if (typeof effect !== "string" || !(effect === "" || taintEffects.has(effect))) return undefined;
    out.effect = effect as Toleration["effect"];
  } else if (undefinedButPresent(v, "effect")) return undefined;
  if (tolerationSeconds !== undefined) {
    if (!(tolerationSeconds === null || Number.isSafeInteger(tolerationSeconds))) return undefined;
    out.tolerationSeconds = tolerationSeconds as number | null;
  } else if (undefinedButPresent(v, "tolerationSeconds")) return undefined;
  return out;
}

const selectorOperators = new Set(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]);
type Requirement = NonNullable<NodeAffinity["nodeSelectorTerms"][number]["matchExpressions"]>[number];

const affinityValue = (v: unknown) => (storable(v, 253) ? v : undefined);

function requirement(v: unknown): Requirement | undefined {
  if (!isObject(v)) return undefined;
  const { key, operator, values } = v;
  if (!labelKey(key) || typeof operator !== "string" || !selectorOperators.has(operator)) return undefined;
  const op = operator as Requirement["operator"];
  if (values === undefined) return undefinedButPresent(v, "values") ? undefined : { key, operator: op };
  const read = list(values, MAX_AFFINITY_VALUES, affinityValue);
  return read && { key, operator: op, values: read };
}

type Term = NodeAffinity["nodeSelectorTerms"][number];

function term(v: unknown): Term | undefined {
  if (!isObject(v)) return undefined;
  const out: Term = {};
  const { matchExpressions, matchFields } = v;
  if (matchExpressions !== undefined) {
    const read = list(matchExpressions, MAX_AFFINITY_ITEMS, requirement);
    if (!read) return undefined;
    out.matchExpressions = read;
  } else if (undefinedButPresent(v, "matchExpressions")) return undefined;
  if (matchFields !== undefined) {
    const read = list(matchFields, MAX_AFFINITY_ITEMS, requirement);
    if (!read) return undefined;
    out.matchFields = read;
  } else if (undefinedButPresent(v, "matchFields")) return undefined;
  return out;
}

function nodeAffinity(v: unknown): NodeAffinity | null | undefined {
  if (v === null) return null;
  if (!isObject(v)) return undefined;
  const terms = list(v.nodeSelectorTerms, MAX_AFFINITY_ITEMS, term);
  return terms && { nodeSelectorTerms: terms };
}

type Address = SnapshotNode["addresses"][number];

function address(v: unknown): Address | undefined {
  if (!isObject(v)) return undefined;
  const { type, address } = v;
  return storable(type, 64) && storable(address, 253) ? { type, address } : undefined;
}

const none = <T>(): T[] => [];
const noLabels = (): Record<string, string> => ({});
const no = () => false;
const nothing = () => null;

/** nodeSchema's value, or undefined when the schema must decide. */
export function quickNode(v: unknown): SnapshotNode | undefined {
  if (!isObject(v)) return undefined;
  const { name, ready } = v;
  if (!dnsSubdomain(name) || typeof ready !== "boolean") return undefined;
  const nodeLabels = withDefault(v, "labels", labels, noLabels);
  const unschedulable = withDefault(v, "unschedulable", boolean, no);
  const taints = withDefault(v, "taints", (t) => list(t, MAX_TAINTS, taint), none<Taint>);
  const addresses = withDefault(v, "addresses", (a) => list(a, MAX_ADDRESSES, address), none<Address>);
  if (!nodeLabels || unschedulable === undefined || !taints || !addresses) return undefined;
  return { name, labels: nodeLabels, unschedulable, ready, taints, addresses };
}

const protocols = new Set(["TCP", "UDP", "SCTP"]);

/** portSchema's value, or undefined when the schema must decide. */
export function quickPort(v: unknown): SnapshotPort | undefined {
  if (!isObject(v)) return undefined;
  const { container, containerPort, hostPort, hostIP, protocol } = v;
  if (!dnsLabel(container) || !portNumber(containerPort) || !portNumber(hostPort)) return undefined;
  let ip: string;
  if (hostIP === undefined) {
    if (undefinedButPresent(v, "hostIP")) return undefined;
    ip = "0.0.0.0";
  } else if (hostIP === "") ip = "0.0.0.0";
  else if (typeof hostIP !== "string") return undefined;
  else if (ipv4.test(hostIP)) ip = hostIP;
  else if (hostIpSchema.safeParse(hostIP).success) ip = hostIP;
  else return undefined;
  let proto: SnapshotPort["protocol"];
  if (protocol === undefined) {
    if (undefinedButPresent(v, "protocol")) return undefined;
    proto = "TCP";
  } else if (protocol === "") proto = "TCP";
  else if (typeof protocol === "string" && protocols.has(protocol))
    proto = protocol as SnapshotPort["protocol"];
  else return undefined;
  return { container, containerPort, hostPort, hostIP: ip, protocol: proto };
}

const phases = new Set(["Pending", "Running", "Unknown"]);

function owner(v: unknown): SnapshotPod["owner"] | undefined {
  if (v === null) return null;
  if (!isObject(v)) return undefined;
  const { kind, name } = v;
  if (typeof kind !== "string" || kind.length > 63 || !KIND.test(kind)) return undefined;
  return storable(name, 253) && name.length > 0 ? { kind, name } : undefined;
}

function scheduling(v: unknown): SnapshotPod["scheduling"] | undefined {
  if (v === null) return null;
  if (!isObject(v)) return undefined;
  const { unschedulable, message } = v;
  return typeof unschedulable === "boolean" && storable(message, MAX_SCHEDULING_MESSAGE)
    ? { unschedulable, message }
    : undefined;
}

/** The pod without its ports, which are read one at a time. */
export type PodEnvelope = Omit<SnapshotPod, "ports"> & { ports: unknown[] };

/**
 * podEnvelopeSchema's value (a pod whose `ports` is any list, read port by port afterwards), or
 * undefined when the schema must decide.
 */
export function quickPodEnvelope(v: unknown): PodEnvelope | undefined {
  if (!isObject(v)) return undefined;
  const { namespace, name, node, phase } = v;
  if (!dnsLabel(namespace) || !dnsSubdomain(name)) return undefined;
  if (!(node === null || dnsSubdomain(node))) return undefined;
  if (typeof phase !== "string" || !phases.has(phase)) return undefined;
  const hostNetwork = withDefault(v, "hostNetwork", boolean, no);
  const podOwner = withDefault(v, "owner", owner, nothing);
  const ports = withDefault(v, "ports", (p) => (Array.isArray(p) ? p : undefined), none<unknown>);
  const nodeSelector = withDefault(v, "nodeSelector", labels, noLabels);
  const tolerations = withDefault(
    v,
    "tolerations",
    (t) => list(t, MAX_TOLERATIONS, toleration),
    none<Toleration>,
  );
  const affinity = withDefault(v, "requiredNodeAffinity", nodeAffinity, nothing);
  const pending = withDefault(v, "scheduling", scheduling, nothing);
  if (
    hostNetwork === undefined ||
    podOwner === undefined ||
    !ports ||
    !nodeSelector ||
    !tolerations ||
    affinity === undefined ||
    pending === undefined
  )
    return undefined;
  return {
    namespace,
    name,
    node,
    phase: phase as SnapshotPod["phase"],
    hostNetwork,
    owner: podOwner,
    ports,
    nodeSelector,
    tolerations,
    requiredNodeAffinity: affinity,
    scheduling: pending,
  };
}
