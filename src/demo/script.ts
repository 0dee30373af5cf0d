/** What each demo cluster is: its labels, the instants its state changes, and its state at any instant. */
import type { DemoIngressController, DemoNode, DemoPod } from "./kube.js";
import type { DemoEvent, Timeline } from "./timeline.js";

export interface ClusterState {
  nodes: DemoNode[];
  pods: DemoPod[];
  /** OpenShift clusters only: what the agent lists of operator.openshift.io/v1 */
  ingressControllers?: DemoIngressController[];
}

export interface ClusterScript {
  name: string;
  labels: Record<string, string>;
  /** instants at which stateAt changes (the generator pushes there, besides the heartbeats) */
  changes: Date[];
  events: DemoEvent[];
  /** the agent's last push; undefined: it pushes until now */
  silentFrom?: Date;
  stateAt(t: Date): ClusterState;
}

export interface ScriptContext {
  seed: number;
  timeline: Timeline;
}
