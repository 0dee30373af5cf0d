/** Small shared pieces: a headroom status badge, a stale badge, an instant, a notice. */
import type { Child } from "hono/jsx";

export type HeadroomStatus = "none" | "low" | "ok";

const isStatus = (text: string): text is HeadroomStatus => text === "none" || text === "low" || text === "ok";

/** Colour and a word, never colour alone. Stored statuses are text; anything unknown shows plain. */
export function StatusBadge({ status }: { status: string | null }) {
  if (status === null) return <span class="muted">–</span>;
  if (!isStatus(status)) return <span>{status}</span>;
  return <span class={`status status-${status}`}>{status}</span>;
}

export function StaleBadge({ stale }: { stale: boolean }) {
  return stale ? <span class="status status-none">stale</span> : <span class="status status-ok">fresh</span>;
}

export function Instant({ at }: { at: string | null }) {
  if (!at) return <span class="muted">never</span>;
  return <time datetime={at}>{at.replace("T", " ").replace(/\.\d{3}Z$/, "Z")}</time>;
}

export function Notice(props: { kind?: "error" | "info"; children?: Child }) {
  return (
    <p class={`notice notice-${props.kind ?? "info"}`} role={props.kind === "error" ? "alert" : "note"}>
      {props.children}
    </p>
  );
}

const rank: Record<HeadroomStatus, number> = { none: 0, low: 1, ok: 2 };

/** The worst of some statuses, null when there are none. */
export function worstStatus(statuses: readonly string[]): HeadroomStatus | null {
  let worst: HeadroomStatus | null = null;
  for (const s of statuses) if (isStatus(s) && (worst === null || rank[s] < rank[worst])) worst = s;
  return worst;
}

/** A view's own form keeps the dashboard's instant: submitting it must not jump back to now. */
export function AsOfField({ asOf }: { asOf: Date | undefined }) {
  return asOf ? <input type="hidden" name="asOf" value={asOf.toISOString()} /> : null;
}
