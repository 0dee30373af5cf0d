/**
 * What the port allocation document says about a cluster, as data: its port map and its
 * IngressControllers. The service fills it; src/render/port-report.ts writes it as Markdown, CSV or JSON.
 */
import type { PortMapEntry } from "./port-map.js";

/** An IngressController as the report lists it; its HostNetwork ports are held on every node it selects. */
export interface ReportedIngressController {
  namespace: string;
  name: string;
  endpointPublishingStrategy: string | null;
  hostNetwork: { httpPort: number; httpsPort: number; statsPort: number } | null;
  replicas: number | null;
  availableReplicas: number | null;
}

export interface ClusterPortMap {
  cluster: string;
  asOf: string | null;
  stale: boolean;
  /** how many nodes are Ready and not cordoned */
  schedulableNodes: number;
  ports: PortMapEntry[];
  ingressControllers: ReportedIngressController[];
  /** rows of the cluster's whole map, when `ports` is a page of it */
  totalPorts?: number;
  /** `ports` goes on from the previous page: no section heading, the table goes on */
  continued?: boolean;
}
