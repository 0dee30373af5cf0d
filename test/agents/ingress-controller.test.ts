import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { toSnapshotIngressController } from "../../agents/src/collect/ingress-controller.js";
import { canonicalIngressController } from "../../src/contract/canonical.js";
import { ingressControllerSchema } from "../../src/contract/snapshot.js";
import { fixtureIngressController, fixtureIngressControllers, type KubeJson } from "./helpers/fixtures.js";

const CRD = "/work/shared/openshift/ingresscontrollers.operator.openshift.io-Default.crd.yaml";

const router = (name: string) => ({ namespace: "openshift-ingress", name: `router-${name}` });
const workerDefaults = { httpPort: 80, httpsPort: 443, statsPort: 1936, protocol: "TCP" };

/** A minimal IngressController with `spec` and `status` as given. */
const ic = (spec: KubeJson = {}, status: KubeJson = {}): KubeJson => ({
  apiVersion: "operator.openshift.io/v1",
  kind: "IngressController",
  metadata: { name: "shard", namespace: "openshift-ingress-operator" },
  spec,
  status,
});

describe("an IngressController becomes its snapshot form", () => {
  it.each([
    {
      what: "the installer's default on bare metal: strategy and ports only in the status",
      object: fixtureIngressController("default"),
      expected: {
        namespace: "openshift-ingress-operator",
        name: "default",
        replicas: 2,
        availableReplicas: 2,
        endpointPublishingStrategy: "HostNetwork",
        hostNetwork: workerDefaults,
        nodeSelector: null,
        tolerations: [],
        deployment: router("default"),
      },
    },
    {
      what: "a HostNetwork shard on other ports with PROXY, placed by nodePlacement",
      object: fixtureIngressController("internal-apps"),
      expected: {
        namespace: "openshift-ingress-operator",
        name: "internal-apps",
        replicas: 3,
        availableReplicas: 1,
        endpointPublishingStrategy: "HostNetwork",
        hostNetwork: { httpPort: 10080, httpsPort: 10443, statsPort: 1936, protocol: "PROXY" },
        nodeSelector: { "node-role.kubernetes.io/worker": "", "portolan.dev/ingress-shard": "internal" },
        // canonical: value and tolerationSeconds spelt out, as the contract's hash has them
        tolerations: [
          {
            key: "node-role.kubernetes.io/infra",
            operator: "Exists",
            value: "",
            effect: "NoSchedule",
            tolerationSeconds: null,
          },
        ],
        deployment: router("internal-apps"),
      },
    },
    {
      what: "a LoadBalancerService one: no host ports, replicas unset",
      object: fixtureIngressController("partner-lb"),
      expected: {
        namespace: "openshift-ingress-operator",
        name: "partner-lb",
        replicas: null,
        availableReplicas: 2,
        endpointPublishingStrategy: "LoadBalancerService",
        hostNetwork: null,
        nodeSelector: null,
        tolerations: [],
        deployment: router("partner-lb"),
      },
    },
  ])("$what", ({ object, expected }) => {
    expect(toSnapshotIngressController(object)).toEqual(expected);
  });

  it.each([
    {
      what: "the status's strategy wins over the spec's (the spec cannot be changed, the status is what runs)",
      object: ic(
        { endpointPublishingStrategy: { type: "Private" } },
        { endpointPublishingStrategy: { type: "HostNetwork" } },
      ),
      strategy: "HostNetwork",
      hostNetwork: workerDefaults,
    },
    {
      what: "the spec's strategy until the operator has reported a status",
      object: ic({ endpointPublishingStrategy: { type: "HostNetwork", hostNetwork: { httpPort: 8080 } } }),
      strategy: "HostNetwork",
      hostNetwork: { ...workerDefaults, httpPort: 8080 },
    },
    {
      what: "ports 0 and protocol empty are the CRD's defaults",
      object: ic(
        {},
        {
          endpointPublishingStrategy: {
            type: "HostNetwork",
            hostNetwork: { httpPort: 0, httpsPort: 0, statsPort: 0, protocol: "" },
          },
        },
      ),
      strategy: "HostNetwork",
      hostNetwork: workerDefaults,
    },
    {
      what: "HostNetwork without its parameters: all defaults",
      object: ic({}, { endpointPublishingStrategy: { type: "HostNetwork" } }),
      strategy: "HostNetwork",
      hostNetwork: workerDefaults,
    },
    {
      what: "hostNetwork parameters under another strategy are not host ports",
      object: ic(
        {},
        { endpointPublishingStrategy: { type: "NodePortService", hostNetwork: { httpPort: 81 } } },
      ),
      strategy: "NodePortService",
      hostNetwork: null,
    },
    {
      what: "no strategy anywhere (not yet admitted): unknown, no host ports",
      object: ic(),
      strategy: null,
      hostNetwork: null,
    },
  ])("$what", ({ object, strategy, hostNetwork }) => {
    const converted = toSnapshotIngressController(object);
    expect(converted?.endpointPublishingStrategy).toBe(strategy);
    expect(converted?.hostNetwork).toEqual(hostNetwork);
  });

  it.each([
    { what: "unset: the CRD's default placement", placement: undefined, expected: null },
    { what: "matchLabels", placement: { nodeSelector: { matchLabels: { a: "1" } } }, expected: { a: "1" } },
    {
      what: "an In expression with one value counts as a label, as the operator's LabelSelectorAsMap reads it",
      placement: {
        nodeSelector: {
          matchLabels: { a: "1" },
          matchExpressions: [
            { key: "b", operator: "In", values: ["2"] },
            { key: "c", operator: "Exists" },
            { key: "d", operator: "In", values: ["3", "4"] },
          ],
        },
      },
      expected: { a: "1", b: "2" },
    },
    { what: "an empty selector: every node, not the default", placement: { nodeSelector: {} }, expected: {} },
  ])("node selector: $what", ({ placement, expected }) => {
    const object = ic(placement ? { nodePlacement: placement } : {});
    expect(toSnapshotIngressController(object)?.nodeSelector).toEqual(expected);
  });

  it.each([
    { what: "a name", object: { metadata: { namespace: "openshift-ingress-operator" } } },
    { what: "a namespace", object: { metadata: { name: "default" } } },
  ])("leaves out an object without $what", ({ object }) => {
    expect(toSnapshotIngressController(object)).toBeNull();
  });

  it("gives no router Deployment for a name too long to carry the router- prefix", () => {
    const object = ic();
    object.metadata.name = "a".repeat(250);
    expect(toSnapshotIngressController(object)?.deployment).toBeNull();
  });

  it("gives what the contract makes of the same object: parsed, defaulted and canonical", () => {
    for (const object of fixtureIngressControllers()) {
      const converted = toSnapshotIngressController(object);
      const parsed = ingressControllerSchema.parse(converted);
      expect(canonicalIngressController(parsed)).toEqual(converted);
    }
  });
});

describe("the IngressController fixture", () => {
  /** Every field the fixture sets is one the shipped CRD defines (recursively through objects). */
  function undefinedFields(value: unknown, schema: KubeJson, path: string): string[] {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      if (Array.isArray(value) && schema.items)
        return value.flatMap((v, i) => undefinedFields(v, schema.items, `${path}[${i}]`));
      return [];
    }
    if (!schema.properties) return [];
    return Object.entries(value).flatMap(([key, child]) => {
      const property = schema.properties[key];
      return property ? undefinedFields(child, property, `${path}.${key}`) : [`${path}.${key}`];
    });
  }

  it("sets only fields of the operator.openshift.io/v1 CRD as OpenShift ships it", () => {
    const crd = parseYaml(readFileSync(CRD, "utf8")) as KubeJson;
    const schema = crd.spec.versions.find((v: KubeJson) => v.name === "v1").schema.openAPIV3Schema;
    for (const object of fixtureIngressControllers()) {
      const { spec, status } = object;
      expect(undefinedFields({ spec, status }, schema, object.metadata.name)).toEqual([]);
    }
  });
});
