/** Real-shaped Kubernetes objects from test/fixtures/k8s (see its README.md). */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const FIXTURES_DIR = fileURLToPath(new URL("../../fixtures/k8s/", import.meta.url));

// biome-ignore lint/suspicious/noExplicitAny: fixtures are arbitrary Kubernetes JSON that tests reshape freely.
export type KubeJson = Record<string, any>;

export function fixturePod(name: string): KubeJson {
  return JSON.parse(readFileSync(`${FIXTURES_DIR}pods/${name}.json`, "utf8"));
}

export function fixturePodNames(): string[] {
  return readdirSync(`${FIXTURES_DIR}pods`)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.replace(/\.json$/, ""))
    .sort();
}

export function fixturePods(): KubeJson[] {
  return fixturePodNames().map(fixturePod);
}

export function fixtureNodes(): KubeJson[] {
  return JSON.parse(readFileSync(`${FIXTURES_DIR}nodes.json`, "utf8")).items;
}

/** The IngressControllers of `oc get ingresscontrollers -A -o json` (test/fixtures/k8s/ingresscontrollers.json). */
export function fixtureIngressControllers(): KubeJson[] {
  return JSON.parse(readFileSync(`${FIXTURES_DIR}ingresscontrollers.json`, "utf8")).items;
}

export function fixtureIngressController(name: string): KubeJson {
  const found = fixtureIngressControllers().find((ic) => ic.metadata.name === name);
  if (!found) throw new Error(`no IngressController ${name} in the fixture`);
  return found;
}
