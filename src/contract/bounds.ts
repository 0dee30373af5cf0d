/**
 * The snapshot contract's bounds and text rules (docs/snapshot-contract.md, "Bounds"). Names follow
 * Kubernetes' own validation, so every real object passes; the counts sit well above real clusters and
 * keep one push (or one odd pod) from costing the server more than the body limit already allows.
 * The agent uses the same constants to drop or trim what the server would refuse.
 */
import * as z from "zod";

// The bounds the listener parsers use, in a module without zod (the node reader loads no zod: it would
// cost a third of its memory budget).
export {
  MAX_ISSUES,
  MAX_LISTENERS,
  MAX_LISTENERS_PER_NODE,
  MAX_PROCESSES_PER_LISTENER,
} from "./bound-values.js";

/** Kubernetes supports 5,000 nodes per cluster. */
export const MAX_NODES = 10_000;
/** Kubernetes supports 150,000 pods per cluster; only host-port and hostNetwork pods are sent. */
export const MAX_PODS = 150_000;
/** Distinct container names among one pod's ports. */
export const MAX_CONTAINERS_PER_POD = 100;
/** Host ports one pod declares (a 1.5 MiB API object holds ~25,000). */
export const MAX_PORTS_PER_POD = 10_000;
/**
 * Host ports a whole snapshot declares, all pods together. A 5,000-node cluster runs a handful of
 * host-port DaemonSets per node: 10 to 20 ports a node, 50,000 to 100,000 in all. The bound is what
 * keeps one push's work (facts, projections, rows) within what the server can do without stalling.
 */
export const MAX_HOST_PORTS = 100_000;
/**
 * Distinct (protocol, host IP, host port) a whole snapshot declares. A node holds at most 65,535 ports
 * per protocol and address, but real clusters declare tens to a few thousand distinct host ports
 * (Agones-style game servers use a range of a few thousand, TCP and UDP); every distinct port is a
 * port-map row with its own count and summary facts, the part of a push's work that grows fastest.
 */
export const MAX_DISTINCT_HOST_PORTS = 10_000;
/** Keys of one labels or nodeSelector map. */
export const MAX_LABELS = 1_000;
export const MAX_TAINTS = 256;
export const MAX_TOLERATIONS = 256;
export const MAX_ADDRESSES = 64;
/** IngressControllers per cluster: OpenShift clusters run a handful (router sharding). */
export const MAX_INGRESS_CONTROLLERS = 100;
/** Replicas an IngressController may ask for (the API's int32, bounded to a sane fleet figure). */
export const MAX_REPLICAS = 10_000;
/** nodeSelectorTerms per affinity, expressions per term, values per expression. */
export const MAX_AFFINITY_ITEMS = 100;
export const MAX_AFFINITY_VALUES = 1_000;
export const MAX_SCHEDULING_MESSAGE = 32_768;
/** The deepest path in the contract is 10 levels (…nodeSelectorTerms[].matchExpressions[].values[]). */
export const MAX_DEPTH = 16;
/** Instants outside this range are refused (PostgreSQL has no year 0; nothing predates 2000). */
export const MIN_INSTANT = new Date("2000-01-01T00:00:00Z");
export const MAX_INSTANT = new Date("9999-12-31T23:59:59.999Z");

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** U+0000 (PostgreSQL text and jsonb cannot hold it) or a UTF-16 surrogate without its pair (not UTF-8). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** String.prototype.isWellFormed (ES2024; Node 20, workerd): no lone surrogate, natively and at once. */
const isWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

export const isStorableText: (text: string) => boolean = isWellFormed
  ? (text) => !text.includes("\u0000") && isWellFormed.call(text)
  : (text) => !text.includes("\u0000") && !LONE_SURROGATE.test(text);

export const isDns1123Label = (text: string): boolean => text.length <= 63 && DNS1123_LABEL.test(text);

export const isDns1123Subdomain = (text: string): boolean =>
  text.length <= 253 && DNS1123_SUBDOMAIN.test(text);

/** Kubernetes label key: optional DNS-1123 subdomain prefix + "/" + name of ≤ 63 characters. */
export function isLabelKey(key: string): boolean {
  const slash = key.indexOf("/");
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (slash !== -1 && !isDns1123Subdomain(key.slice(0, slash))) return false;
  return name.length <= 63 && LABEL_NAME.test(name);
}

export const isLabelValue = (value: string): boolean => value.length <= 63 && LABEL_VALUE.test(value);

/** A Kubernetes kind, as an owner reference names it. */
export const KIND = /^[A-Za-z][A-Za-z0-9]*$/;

/** Text PostgreSQL can store, at most `max` characters. */
export const storableText = (max: number) =>
  z.string().max(max).refine(isStorableText, "must not contain U+0000 or a lone UTF-16 surrogate");

// Regexes rather than refinements where they suffice, so the served JSON Schema carries them as patterns.
export const dns1123LabelSchema = z
  .string()
  .min(1)
  .max(63)
  .regex(DNS1123_LABEL, "must be a DNS-1123 label: lower-case letters, digits and '-', 1–63 characters");

export const dns1123SubdomainSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(DNS1123_SUBDOMAIN, "must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', ≤ 253");

export const labelKeySchema = z
  .string()
  .max(253 + 1 + 63)
  .refine(isLabelKey, "must be a Kubernetes label key: [prefix/]name, name ≤ 63 of [A-Za-z0-9-_.]");

export const labelValueSchema = z
  .string()
  .max(63)
  .regex(LABEL_VALUE, "must be a Kubernetes label value: empty or ≤ 63 of [A-Za-z0-9-_.]");
