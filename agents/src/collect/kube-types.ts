/**
 * The few fields of Kubernetes Node and Pod objects that collection reads. Structural and all-optional
 * on purpose: the same code takes JSON from `kubectl get -o json`, LIST pages and watch events.
 */

export interface KubeOwnerReference {
  kind: string;
  name: string;
  controller?: boolean;
}

export interface KubeObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  ownerReferences?: KubeOwnerReference[];
  resourceVersion?: string;
}

export interface KubeContainerPort {
  containerPort: number;
  hostPort?: number;
  hostIP?: string;
  protocol?: string;
  name?: string;
}

export interface KubeContainer {
  name: string;
  ports?: KubeContainerPort[];
  /** Only init containers have it; "Always" makes an init container a sidecar that runs alongside. */
  restartPolicy?: string;
}

export interface KubeNodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface KubeNodeSelectorTerm {
  matchExpressions?: KubeNodeSelectorRequirement[];
  matchFields?: KubeNodeSelectorRequirement[];
}

export interface KubeToleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export interface KubeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface KubePod {
  kind?: string;
  metadata?: KubeObjectMeta;
  spec?: {
    nodeName?: string;
    hostNetwork?: boolean;
    containers?: KubeContainer[];
    initContainers?: KubeContainer[];
    nodeSelector?: Record<string, string>;
    tolerations?: KubeToleration[];
    affinity?: {
      nodeAffinity?: {
        requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: KubeNodeSelectorTerm[] };
      };
    };
  };
  status?: {
    phase?: string;
    conditions?: KubeCondition[];
    /** containerID is `<runtime>://<id>`: cri-o://…, containerd://…, docker://… */
    containerStatuses?: KubeContainerStatus[];
    initContainerStatuses?: KubeContainerStatus[];
    ephemeralContainerStatuses?: KubeContainerStatus[];
  };
}

export interface KubeContainerStatus {
  name: string;
  containerID?: string;
}

export interface KubeTaint {
  key: string;
  value?: string;
  effect: string;
}

export interface KubeNode {
  kind?: string;
  metadata?: KubeObjectMeta;
  spec?: {
    unschedulable?: boolean;
    taints?: KubeTaint[];
  };
  status?: {
    conditions?: KubeCondition[];
    addresses?: { type: string; address: string }[];
  };
}

/** operator.openshift.io/v1 endpointPublishingStrategy, spec or status (only what host ports need). */
export interface KubeEndpointPublishingStrategy {
  type?: string;
  hostNetwork?: { httpPort?: number; httpsPort?: number; statsPort?: number; protocol?: string };
}

export interface KubeLabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** An OpenShift IngressController (operator.openshift.io/v1), as far as host ports go. */
export interface KubeIngressController {
  kind?: string;
  metadata?: KubeObjectMeta;
  spec?: {
    replicas?: number;
    endpointPublishingStrategy?: KubeEndpointPublishingStrategy;
    nodePlacement?: { nodeSelector?: KubeLabelSelector; tolerations?: KubeToleration[] };
  };
  status?: {
    availableReplicas?: number;
    endpointPublishingStrategy?: KubeEndpointPublishingStrategy;
  };
}
