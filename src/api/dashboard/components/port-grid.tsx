/**
 * A cluster's port map as a grid: one row per (port, protocol, host IP), one column per node, a page
 * of rows (ports.map's cursors) and a page of nodes at a time. ports.map names at most 50 holders and 50 free nodes per port (counts exact),
 * so a node past those samples shows "?" and the row links to the fleet-wide holder list.
 */
import type { DashboardCaller } from "../session.js";
import { link } from "../url-state.js";
import { asOfParam, type View } from "../view.js";

export type PortMapAnswer = Awaited<ReturnType<DashboardCaller["ports"]["map"]>>;
export type ConflictItem = Awaited<ReturnType<DashboardCaller["conflicts"]["list"]>>["items"][number];
type PortRow = PortMapAnswer["ports"][number];
/** per shared row (rowKey), the holding workload's name by node */
export type Holders = ReadonlyMap<string, ReadonlyMap<string, string>>;
export const rowKey = (row: Pick<PortRow, "protocol" | "hostPort" | "hostIP">) =>
  `${row.protocol}/${row.hostPort}/${row.hostIP}`;

/** node columns per page: what fits beside the port columns on a 1366-pixel screen */
export const NODES_PER_PAGE = 12;

const byName = new Intl.Collator().compare;

/** Every node the map names, sorted: the grid's columns. */
export function gridNodes(map: PortMapAnswer): string[] {
  const names = new Set<string>();
  for (const row of map.ports) for (const node of [...row.nodes, ...row.freeNodes]) names.add(node);
  return [...names].sort(byName);
}

/** ports.map lists an IngressController's declared ports as a workload of that kind, holding no pod. */
const DECLARING_KIND = "IngressController";
type RowWorkload = PortRow["workloads"][number];
interface RowHolders {
  pods: RowWorkload[];
  declared: RowWorkload[];
}
const holdersOf = (row: PortRow): RowHolders => ({
  pods: row.workloads.filter((w) => w.kind !== DECLARING_KIND),
  declared: row.workloads.filter((w) => w.kind === DECLARING_KIND),
});

const isCapped = (row: PortRow) => row.heldCount > row.nodes.length || row.freeCount > row.freeNodes.length;

function Cell(props: { row: PortRow; split: RowHolders; node: string; holders: Holders }) {
  const { row, node, holders } = props;
  const { pods, declared } = props.split;
  if (row.nodes.includes(node)) {
    const holder =
      pods.length === 1 && declared.length === 0 ? pods[0]?.name : holders.get(rowKey(row))?.get(node);
    // ports.who names pod holders only: a node it does not name holds the port by declaration.
    if (holder === undefined && declared.length > 0) {
      const names = declared.map((w) => `${w.namespace}/${w.name}`).join(", ");
      return (
        <td
          class="cell-declared"
          title={`${node}: ${row.hostPort}/${row.protocol} declared by IngressController ${names}`}
        >
          declared
        </td>
      );
    }
    return (
      <td class="cell-held" title={`${node}: ${holder ?? "held"} holds ${row.hostPort}/${row.protocol}`}>
        {holder ?? "held"}
      </td>
    );
  }
  if (row.freeNodes.includes(node)) return <td class="cell-free">free</td>;
  if (isCapped(row))
    return (
      <td class="cell-unknown" title="past the listed sample: see who uses the port">
        ?
      </td>
    );
  return (
    <td class="cell-none" title="not eligible for the holders, or another allocation is in the way">
      –
    </td>
  );
}

/** Pending pods that want the row's port: the scheduler found no node with it free. */
const pendingFor = (row: PortRow, pending: readonly ConflictItem[]) =>
  pending.filter((p) => p.ports.some((q) => q.hostPort === row.hostPort && q.protocol === row.protocol));

export function PortGrid(props: {
  view: View;
  map: PortMapAnswer;
  holders: Holders;
  pending: readonly ConflictItem[] | null;
  nodePage: number;
}) {
  const { view, map } = props;
  const nodes = gridNodes(map);
  const pages = Math.max(1, Math.ceil(nodes.length / NODES_PER_PAGE));
  const page = Math.min(props.nodePage, pages);
  const shown = nodes.slice((page - 1) * NODES_PER_PAGE, page * NODES_PER_PAGE);
  const pageLink = (n: number) => link(view.path, { ...view.params, ...asOfParam(view), nodes: n });
  // A page of port rows is named by a row's key; the node page stays where it is.
  const { after: _after, before: _before, ...kept } = view.params;
  const portsLink = (cursor: { after: string } | { before: string }) =>
    link(view.path, { ...kept, ...asOfParam(view), ...cursor });
  const first = map.ports[0];
  const last = map.ports[map.ports.length - 1];
  return (
    <section aria-labelledby="grid-heading">
      <h2 id="grid-heading">Port map</h2>
      <p>
        {`${map.totalPorts} host ports on ${map.nodes} nodes (${map.schedulableNodes} schedulable). `}
        {first && last
          ? `This page: ${map.ports.length} of them, ${first.hostPort}/${first.protocol} to ${last.hostPort}/${last.protocol}. `
          : ""}
        {map.prevCursor ? <a href={portsLink({ before: map.prevCursor })}>Previous ports</a> : null}{" "}
        {map.nextCursor ? <a href={portsLink({ after: map.nextCursor })}>Next ports</a> : null}
      </p>
      <p>
        {`Nodes ${shown.length === 0 ? 0 : (page - 1) * NODES_PER_PAGE + 1}–${(page - 1) * NODES_PER_PAGE + shown.length} of the ${nodes.length} named on this page. `}
        {page > 1 ? <a href={pageLink(page - 1)}>Previous nodes</a> : null}{" "}
        {page < pages ? <a href={pageLink(page + 1)}>Next nodes</a> : null}
      </p>
      {map.ports.some(isCapped) ? (
        <p class="notice notice-info">
          Each port lists its first 50 holders and 50 free nodes; counts are exact. "?" marks a node past
          those lists: follow the port's link for every holder.
        </p>
      ) : null}
      <div class="scroll">
        <table class="grid">
          <thead>
            <tr>
              <th scope="col">Port</th>
              <th scope="col">Held by</th>
              <th scope="col" class="num">
                Held
              </th>
              <th scope="col" class="num">
                Free
              </th>
              <th scope="col">Pending</th>
              {/* A HostNetwork IngressController holds its ports on every node it selects, pods or not. */}
              <th scope="col">Declared by</th>
              {shown.map((node) => (
                <th scope="col" class="node">
                  <span>{node}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {map.ports.map((row) => {
              const pending = props.pending ? pendingFor(row, props.pending) : [];
              const split = holdersOf(row);
              return (
                <tr>
                  <th scope="row">
                    <a
                      href={link("/ports", {
                        port: row.hostPort,
                        protocol: row.protocol,
                        ...asOfParam(view),
                      })}
                    >
                      {`${row.hostPort}/${row.protocol}`}
                    </a>
                    {row.hostIP === "0.0.0.0" || row.hostIP === "" ? null : (
                      <span class="muted">{` ${row.hostIP}`}</span>
                    )}
                  </th>
                  <td class="wrap">
                    {split.pods.map((w) => (
                      <div>{`${w.namespace}/${w.name} (${w.kind}, ${w.pods})`}</div>
                    ))}
                  </td>
                  <td class="num">{row.heldCount}</td>
                  <td
                    class={`num ${row.freeCount === 0 ? "status-none" : row.freeCount === 1 ? "status-low" : ""}`}
                  >
                    {row.freeCount}
                  </td>
                  <td class="pending">
                    {props.pending === null ? (
                      <span class="muted">now only</span>
                    ) : pending.length === 0 ? (
                      <span class="muted">–</span>
                    ) : (
                      pending.map((p) => (
                        <div
                          class="status status-none"
                          title={`${p.namespace}/${p.pod}`}
                        >{`pending ${p.pod}`}</div>
                      ))
                    )}
                  </td>
                  <td class="wrap">
                    {split.declared.length === 0 ? (
                      <span class="muted">–</span>
                    ) : (
                      split.declared.map((w) => (
                        <div class="declared">{`IngressController ${w.namespace}/${w.name}`}</div>
                      ))
                    )}
                  </td>
                  {shown.map((node) => (
                    <Cell row={row} split={split} node={node} holders={props.holders} />
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
