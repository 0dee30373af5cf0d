import { describe, expect, it } from "vitest";
import {
  type ReservationScope,
  rangesOverlap,
  scopeCovers,
  scopesOverlap,
} from "../../../src/domain/reservation-scope.js";

const fleet = [
  { name: "prod-eu-1", labels: { env: "prod", region: "eu" } },
  { name: "prod-us-1", labels: { env: "prod", region: "us" } },
  { name: "dev-eu-1", labels: { env: "dev", region: "eu" } },
];
const names = (...clusterNames: string[]): ReservationScope => ({ clusterNames, labelSelector: null });
const selector = (labelSelector: Record<string, string>): ReservationScope => ({
  clusterNames: [],
  labelSelector,
});
const fleetWide: ReservationScope = { clusterNames: [], labelSelector: null };

describe("reservation scopes", () => {
  it.each([
    ["fleet-wide covers any cluster", fleetWide, "dev-eu-1", true],
    ["a name covers its cluster", names("prod-eu-1"), "prod-eu-1", true],
    ["a name covers no other cluster", names("prod-eu-1"), "prod-us-1", false],
    ["a selector covers matching clusters", selector({ env: "prod" }), "prod-us-1", true],
    ["a selector needs every label", selector({ env: "prod", region: "eu" }), "prod-us-1", false],
  ])("%s", (_name, scope, cluster, expected) => {
    const identity = fleet.find((c) => c.name === cluster)!;
    expect(scopeCovers(scope, identity)).toBe(expected);
  });

  it.each([
    ["same cluster named twice", names("prod-eu-1"), names("prod-eu-1", "dev-eu-1"), true],
    ["different clusters", names("prod-eu-1"), names("prod-us-1"), false],
    ["a name and a selector matching it", names("prod-eu-1"), selector({ region: "eu" }), true],
    ["a name and a selector not matching it", names("prod-us-1"), selector({ region: "eu" }), false],
    ["fleet-wide and anything", fleetWide, names("dev-eu-1"), true],
    [
      "compatible selectors (a future cluster could match both)",
      selector({ env: "stage" }),
      selector({ region: "ap" }),
      true,
    ],
    ["contradicting selectors", selector({ env: "prod" }), selector({ env: "dev" }), false],
    ["a name of a cluster not registered yet and a selector", names("future"), selector({ env: "x" }), false],
  ])("overlap: %s → %s", (_name, a, b, expected) => {
    expect(scopesOverlap(a, b, fleet)).toBe(expected);
    expect(scopesOverlap(b, a, fleet)).toBe(expected);
  });

  it.each([
    [8000, 8002, 8002, 8010, true],
    [8000, 8002, 8003, 8010, false],
    [1, 65535, 443, 443, true],
  ])("ranges %i–%i and %i–%i overlap: %s", (a1, a2, b1, b2, expected) => {
    expect(rangesOverlap({ portFrom: a1, portTo: a2 }, { portFrom: b1, portTo: b2 })).toBe(expected);
  });
});
