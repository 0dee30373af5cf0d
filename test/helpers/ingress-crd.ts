/** The IngressController CRD's openAPIV3Schema as an ajv validator (read from /work/shared, never copied). */
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { parse } from "yaml";

export const INGRESS_CRD_PATH =
  "/work/shared/openshift/ingresscontrollers.operator.openshift.io-Default.crd.yaml";

interface Crd {
  spec: { versions: { name: string; schema: { openAPIV3Schema: object } }[] };
}

/**
 * RE2 (the API server's patterns) as JavaScript: its inline (?i) becomes the i flag; the few that
 * JavaScript's unicode mode refuses (POSIX classes, in log-format fields a plan never sets) are
 * read without it.
 */
const re2Pattern = Object.assign(
  (pattern: string, flags: string) => {
    const insensitive = pattern.includes("(?i)");
    const source = pattern.replaceAll("(?i)", "");
    const extra = insensitive ? "i" : "";
    try {
      return new RegExp(source, flags + extra);
    } catch {
      return new RegExp(source, flags.replace("u", "") + extra);
    }
  },
  { code: "new RegExp" },
);

export function ingressControllerValidator() {
  const crd = parse(readFileSync(INGRESS_CRD_PATH, "utf8")) as Crd;
  const v1 = crd.spec.versions.find((v) => v.name === "v1");
  if (!v1) throw new Error("the CRD has no v1");
  // strict off: the schema carries x-kubernetes-* keywords ajv does not know; Kubernetes formats
  // (int32, duration) are not checked (logger off), and RE2's leading (?i) becomes the i flag.
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false, code: { regExp: re2Pattern } });
  return ajv.compile(v1.schema.openAPIV3Schema);
}
