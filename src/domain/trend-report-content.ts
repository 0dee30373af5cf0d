/**
 * What the period report says, as data: each part bounded (the first N and how many more), and how
 * finely its charts sample the period. The service fills it; src/render/trend-report.ts presents it.
 */
import { stepFor } from "./time-series.js";

/** The first `items` of a longer list, and how many were left out. */
export interface Bounded<T> {
  items: T[];
  more: number;
}

export interface WorkloadRef {
  cluster: string;
  namespace: string;
  kind: string;
  name: string;
}

export interface PortChange {
  /** absent in the fleet-wide list */
  cluster?: string;
  hostPort: number;
  protocol: string;
  /** appeared: when first held in the period; vanished: when last released */
  at: string | null;
}

export interface WorkloadChange extends WorkloadRef {
  at: string | null;
}

export interface HeadroomLow extends WorkloadRef {
  lowest: number;
  /** first instant of the period at the lowest point */
  at: string;
  status: string;
}

export interface ConflictEpisode {
  cluster: string;
  namespace: string;
  pod: string;
  ports: string;
  since: string;
  /** null: still pending at the end of the period */
  until: string | null;
  seconds: number;
}

export interface ReportSeries {
  name: string;
  /** null: before the scope was first observed (unknown, not zero) */
  points: { t: string; value: number | null }[];
}

import type { TrendEvent } from "./trend-events.js";

export interface TrendReport {
  from: string;
  to: string;
  /** seconds between chart points */
  step: number;
  scope: string;
  clusters: {
    added: Bounded<{ name: string; at: string }>;
    removed: Bounded<{ name: string; at: string }>;
    silent: Bounded<{ name: string; lastSeenAt: string | null }>;
  };
  ports: {
    fleet: { appeared: Bounded<PortChange>; vanished: Bounded<PortChange> };
    byCluster: { appeared: Bounded<PortChange>; vanished: Bounded<PortChange> };
  };
  workloads: { started: Bounded<WorkloadChange>; stopped: Bounded<WorkloadChange> };
  headroom: Bounded<HeadroomLow>;
  conflicts: Bounded<ConflictEpisode>;
  charts: { fleet: ReportSeries; topPorts: ReportSeries[] };
  /** what the charts mark (trends.events), earliest first */
  events: Bounded<TrendEvent>;
}

/** Points a report's charts hold at most: enough for a readable line, few enough for a small file. */
export const MAX_REPORT_POINTS = 120;

/** The smallest usual step that keeps the period within MAX_REPORT_POINTS points. */
export const reportStep = (from: Date, to: Date): number => stepFor(from, to, MAX_REPORT_POINTS);
