/**
 * Readers for arguments and flags, run by commander while it parses: a value they refuse is a usage
 * error (exit 2) before any request is made.
 */
import { InvalidArgumentError } from "commander";
import type { Protocol } from "../contract/schema.js";
import { parseStep } from "../domain/time-series.js";
import { parseAsOf, parseInstant } from "./time.js";

/**
 * The contract's protocols, spelled here so the CLI does not load zod at start; the type below
 * fails to compile if the contract gains one this list lacks.
 */
const PROTOCOLS = ["TCP", "UDP", "SCTP"] as const satisfies readonly Protocol[];
const everyProtocolListed: Exclude<Protocol, (typeof PROTOCOLS)[number]> extends never ? true : never = true;
void everyProtocolListed;

export function port(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new InvalidArgumentError("a port is 1–65535.");
  return n;
}

export function protocol(text: string): Protocol {
  const found = PROTOCOLS.find((p) => p === text.toUpperCase());
  if (!found) throw new InvalidArgumentError(`one of ${PROTOCOLS.join(", ")}.`);
  return found;
}

/** A whole number ≥ min, as a commander reader. */
export function wholeNumber(min: number): (text: string) => number {
  return (text) => {
    if (!/^\d+$/.test(text) || Number(text) < min) throw new InvalidArgumentError(`a whole number ≥ ${min}.`);
    return Number(text);
  };
}

export const AS_OF_HELP =
  "the answer as it stood then: RFC 3339, a date (00:00 UTC) or a time ago (7d, 36h, 90m)";

export function asOf(text: string): string {
  const instant = parseAsOf(text);
  if (!instant)
    throw new InvalidArgumentError(
      "RFC 3339 (2026-11-27T10:30:00Z), a date (2026-11-27, 00:00 UTC) or a time ago (7d, 36h, 90m).",
    );
  return instant;
}

export function instant(text: string): string {
  const at = parseInstant(text);
  if (!at)
    throw new InvalidArgumentError("RFC 3339 (2027-01-01T00:00:00Z) or a date (2027-01-01, 00:00 UTC).");
  return at;
}

/** Repeatable flag: `--cluster a --cluster b`. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A flag that may be given once (commander would otherwise keep the last silently). */
export function once(value: string, previous: string | undefined): string {
  if (previous !== undefined) throw new InvalidArgumentError("give it once.");
  return value;
}

/** `--clusters a,b` */
export function commaList(text: string): string[] {
  const names = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new InvalidArgumentError("a comma-separated list, e.g. a,b.");
  return names;
}

/** "env=prod,region=eu" → {env: "prod", region: "eu"}; an empty value is allowed (`role=`). */
export function selector(text: string): Record<string, string> {
  return Object.fromEntries(
    text.split(",").map((pair) => {
      const [key, value, ...rest] = pair.split("=");
      if (!key?.trim() || value === undefined || rest.length > 0)
        throw new InvalidArgumentError(`"${pair}" must be key=value.`);
      return [key.trim(), value.trim()];
    }),
  );
}

/** Repeatable `--label k=v`, gathered into one record. */
export function label(pair: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = pair.indexOf("=");
  if (at <= 0) throw new InvalidArgumentError(`"${pair}" must be key=value.`);
  return { ...previous, [pair.slice(0, at)]: pair.slice(at + 1) };
}

/** "8080/TCP,8443,53/UDP" → [{hostPort, protocol}] (no protocol: the server's default). */
export function portList(text: string): { hostPort: number; protocol: Protocol | undefined }[] {
  return text.split(",").map((item) => {
    const [portText = "", protocolText] = item.trim().split("/");
    return {
      hostPort: port(portText),
      protocol: protocolText === undefined ? undefined : protocol(protocolText),
    };
  });
}

/** "8080-8082" or "8080" → [from, to] */
export function portRange(text: string): [number, number] {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!match?.[1]) throw new InvalidArgumentError("PORT or FROM-TO, e.g. 10080-10082.");
  const from = port(match[1]);
  const to = port(match[2] ?? match[1]);
  if (to < from) throw new InvalidArgumentError("FROM must not exceed TO.");
  return [from, to];
}

/** "30s", "15m", "1h", "1d", "1w", as trends take it. */
export function step(text: string): string {
  if (parseStep(text) === null)
    throw new InvalidArgumentError("a duration such as 15m, 1h, 1d (at most 366d).");
  return text;
}

/** "namespace/kind/name", e.g. openshift-ingress/Deployment/router-default. */
export function workload(text: string): { namespace: string; kind: string; name: string } {
  const [namespace, kind, ...rest] = text.split("/");
  const name = rest.join("/");
  if (!namespace || !kind || !name)
    throw new InvalidArgumentError("namespace/kind/name, e.g. ingress/Deployment/router.");
  return { namespace, kind, name };
}
