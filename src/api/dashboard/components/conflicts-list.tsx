/** Pods the scheduler could not place for want of a free host port, with what blocks them. */
import type { ConflictItem } from "./port-grid.js";
import { Instant } from "./status.js";

export function ConflictsList({ items }: { items: readonly ConflictItem[] | null }) {
  return (
    <section aria-labelledby="conflicts-heading">
      <h2 id="conflicts-heading">Conflicts</h2>
      {items === null ? (
        <p class="muted">Conflicts come from the scheduler's current messages: shown for now only.</p>
      ) : items.length === 0 ? (
        <p>No pod is pending on host ports.</p>
      ) : (
        <ul class="conflicts">
          {items.map((item) => (
            <li>
              <strong>{`${item.namespace}/${item.pod}`}</strong>
              {item.owner ? ` (${item.owner.kind} ${item.owner.name})` : ""}
              {` wants ${item.ports.map((p) => `${p.hostPort}/${p.protocol}`).join(", ")}; pending since `}
              <Instant at={item.pendingSince} />
              <blockquote class="message">{item.message ?? ""}</blockquote>
              <p>{`${item.eligibleNodes} eligible nodes, ${item.blockedNodes} blocked, ${item.freeNodes} free.`}</p>
              {item.blockedSample.length > 0 ? (
                <ul>
                  {item.blockedSample.map((b) => (
                    <li>
                      {`${b.node}: `}
                      {b.blockers
                        .map(
                          (x) =>
                            `${x.namespace}/${x.pod}${x.owner ? ` (${x.owner.kind} ${x.owner.name})` : ""} holds ${x.hostPort}/${x.protocol}`,
                        )
                        .join("; ")}
                    </li>
                  ))}
                </ul>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
