/**
 * What the trend charts mark on their time axis: host-port conflicts starting and ending,
 * IngressControllers added, changed or removed, clusters first observed or gone silent.
 */
export const TREND_EVENT_KINDS = [
  "cluster-added",
  "cluster-silent",
  "conflict-started",
  "conflict-ended",
  "ingress-controller-added",
  "ingress-controller-changed",
  "ingress-controller-removed",
] as const;
export type TrendEventKind = (typeof TREND_EVENT_KINDS)[number];

export interface TrendEvent {
  at: string;
  kind: TrendEventKind;
  cluster: string;
  /** what it happened to: a pod and its ports, an IngressController, the cluster's last push */
  subject: string;
}

const WORDS: Record<TrendEventKind, string> = {
  "cluster-added": "cluster first observed",
  "cluster-silent": "cluster silent",
  "conflict-started": "conflict started",
  "conflict-ended": "conflict ended",
  "ingress-controller-added": "IngressController added",
  "ingress-controller-changed": "IngressController changed",
  "ingress-controller-removed": "IngressController removed",
};

/** "IngressController added openshift-ingress-operator/shard-b" */
export function eventWords(e: TrendEvent): string {
  return `${WORDS[e.kind]}${e.subject ? ` ${e.subject}` : ""}`;
}

/** "prod-eu-1: IngressController added openshift-ingress-operator/shard-b" */
export const eventText = (e: TrendEvent) => `${e.cluster}: ${eventWords(e)}`;
