/**
 * The OpenShift clusters of the demo fleet: routers with the HostNetwork strategy, a scale-up, a new
 * IngressController shard, a drain, a NotReady node, and a second IngressController left on the
 * default ports whose last replica cannot be scheduled anywhere.
 */
import { node, noFreePorts, PodFactory } from "./kube.js";
import type { ClusterScript, ScriptContext } from "./script.js";
import { during } from "./timeline.js";
import {
  controlPlaneStaticPods,
  DEFAULT_ROUTER_PORTS,
  datadogAgent,
  ingressController,
  nodeSpecs,
  openshiftNodeExporter,
  openshiftRouter,
  ovnkubeNode,
} from "./workloads.js";

const INFRA = { "node-role.kubernetes.io/infra": "" };
const WORKER = { "node-role.kubernetes.io/worker": "" };

export function prodEu1({ seed, timeline }: ScriptContext): ClusterScript {
  const name = "prod-eu-1";
  const region = "eu-west-1";
  const specs = nodeSpecs(name, 1, region, { "control-plane": 3, infra: 4, worker: 10 });
  const shardB = timeline.at(10, 14.5);
  const drainFrom = timeline.at(15, 9);
  const drainTo = timeline.at(15, 15.25);
  const scaleUp = timeline.at(20, 10.5);
  const notReady = timeline.at(28, 3.2);
  const drained = `${name}-worker-3`;
  const broken = `${name}-worker-9`;
  const pods = new PodFactory(seed, name);
  const routerDefault = openshiftRouter("default", DEFAULT_ROUTER_PORTS, INFRA);
  const shardPorts = { http: 10080, https: 10443, stats: 11936 };
  const routerShardB = openshiftRouter("shard-b", shardPorts, INFRA);
  const masters = specs.filter((s) => s.role === "control-plane");
  return {
    name,
    labels: { env: "prod", region, distribution: "openshift", team: "platform" },
    changes: [shardB, drainFrom, drainTo, scaleUp, notReady],
    events: [
      {
        at: shardB,
        cluster: name,
        kind: "new-ingress-controller",
        summary:
          "IngressController shard-b: router-shard-b, 2 replicas on the infra nodes, ports 10080/10443/11936",
      },
      {
        at: drainFrom,
        cluster: name,
        kind: "drain",
        summary: `${drained} cordoned for kernel patching, uncordoned at ${drainTo.toISOString()}`,
      },
      {
        at: scaleUp,
        cluster: name,
        kind: "scale-up",
        summary: "router-default scaled 2→3 replicas: headroom on the 4 infra nodes drops to 1",
      },
      {
        at: notReady,
        cluster: name,
        kind: "node-not-ready",
        summary: `${broken} NotReady (kubelet stopped posting)`,
      },
    ],
    stateAt(t) {
      const now = specs.map((s) => ({
        ...s,
        cordoned: s.name === drained && during(t, drainFrom, drainTo),
        notReady: s.name === broken && during(t, notReady),
      }));
      const infra = (i: number) => ({ node: `${name}-infra-${i}` });
      const defaultReplicas = during(t, scaleUp) ? 3 : 2;
      return {
        nodes: now.map((s) => node(s, "openshift", region)),
        ingressControllers: [
          ingressController("default", DEFAULT_ROUTER_PORTS, INFRA, {
            spec: defaultReplicas,
            available: defaultReplicas,
          }),
          ...(during(t, shardB)
            ? [ingressController("shard-b", shardPorts, INFRA, { spec: 2, available: 2 })]
            : []),
        ],
        pods: [
          ...pods.deployment(
            routerDefault,
            during(t, scaleUp) ? [infra(0), infra(1), infra(2)] : [infra(0), infra(1)],
          ),
          ...(during(t, shardB) ? pods.deployment(routerShardB, [infra(2), infra(3)]) : []),
          ...pods.daemonSet(openshiftNodeExporter, specs),
          ...pods.daemonSet(ovnkubeNode, specs),
          ...pods.daemonSet(datadogAgent, specs),
          ...controlPlaneStaticPods("openshift").flatMap((w) =>
            masters.map((m) => pods.staticPod(w, m.name)),
          ),
        ],
      };
    },
  };
}

export function prodUs1({ seed, timeline }: ScriptContext): ClusterScript {
  const name = "prod-us-1";
  const region = "us-east-1";
  const specs = nodeSpecs(name, 2, region, { "control-plane": 3, worker: 6 });
  const drainFrom = timeline.at(22, 1);
  const drainTo = timeline.at(22, 5.5);
  const internal = timeline.at(25, 11);
  const drained = `${name}-worker-1`;
  const pods = new PodFactory(seed, name);
  const routerDefault = openshiftRouter("default", DEFAULT_ROUTER_PORTS, WORKER);
  // The second IngressController kept the default ports: its replicas compete with router-default's.
  const routerInternal = openshiftRouter("internal", DEFAULT_ROUTER_PORTS, WORKER);
  const masters = specs.filter((s) => s.role === "control-plane");
  const worker = (i: number) => ({ node: `${name}-worker-${i}` });
  return {
    name,
    labels: { env: "prod", region, distribution: "openshift", team: "platform" },
    changes: [drainFrom, drainTo, internal],
    events: [
      {
        at: drainFrom,
        cluster: name,
        kind: "drain",
        summary: `${drained} drained: its router-default replica moved to ${name}-worker-3 and stayed there`,
      },
      {
        at: internal,
        cluster: name,
        kind: "new-ingress-controller",
        summary:
          "IngressController internal created on the default ports 80/443/1936: 3 of 4 router-internal replicas run, the 4th is Pending on host ports",
      },
    ],
    stateAt(t) {
      const now = specs.map((s) => ({ ...s, cordoned: s.name === drained && during(t, drainFrom, drainTo) }));
      // router-default ran on workers 0–2; the drain moved worker-1's replica to worker-3 for good.
      const moved = { ...worker(3), key: "replacement" };
      const defaultSlots = during(t, drainFrom)
        ? [worker(0), moved, worker(2)]
        : [worker(0), worker(1), worker(2)];
      return {
        nodes: now.map((s) => node(s, "openshift", region)),
        ingressControllers: [
          ingressController("default", DEFAULT_ROUTER_PORTS, WORKER, { spec: 3, available: 3 }),
          ...(during(t, internal)
            ? [ingressController("internal", DEFAULT_ROUTER_PORTS, WORKER, { spec: 4, available: 3 })]
            : []),
        ],
        pods: [
          ...pods.deployment(routerDefault, defaultSlots),
          ...(during(t, internal)
            ? pods.deployment(routerInternal, [
                worker(1),
                worker(4),
                worker(5),
                { pending: noFreePorts(6, 6) },
              ])
            : []),
          ...pods.daemonSet(openshiftNodeExporter, specs),
          ...pods.daemonSet(ovnkubeNode, specs),
          ...controlPlaneStaticPods("openshift").flatMap((w) =>
            masters.map((m) => pods.staticPod(w, m.name)),
          ),
        ],
      };
    },
  };
}
