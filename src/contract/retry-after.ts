/**
 * Retry-After: delta-seconds or an HTTP-date (RFC 9110 §10.2.3), in milliseconds from `nowMs`. Undefined
 * when absent or unreadable. Part of the push protocol: the agent and the CLI both honour it.
 */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (text === "") return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
