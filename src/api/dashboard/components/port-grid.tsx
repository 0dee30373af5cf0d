/**
 * A cluster's port map as a grid: one row per (port, protocol, host IP), one column per node, a page
 * of rows and a page of nodes at a time, both ports.map's: its node page names the columns and each
 * row says exactly which of them hold its port and which are free for it (its 50-name samples are not
 * read here). Beside the declared holds, what the page's nodes were observed listening on
 * (ports.mapListeners): a mark per cell, the will-crash risk standing out, rows for ports only
 * listeners hold, and nodes that send no listener report told apart from free ones (the legend says
 * what each mark means).
 */
import type { DashboardCaller } from "../session.js";
import { link } from "../url-state.js";
import { asOfParam, type View } from "../view.js";
import { GridLegend } from "./grid-legend.js";
import { PortRowHead } from "./grid-row-head.js";
import {
  type ConflictItem,
  clusterNodesText,
  ELIGIBLE_TITLE,
  holdersOf,
  nodeStateText,
  type PortMapAnswer,
  type PortRow,
  type RowHolders,
  type RowRole,
  rowRole,
} from "./grid-rows.js";

export type { ConflictItem, PortMapAnswer } from "./grid-rows.js";
export type ObservedAnswer = Awaited<ReturnType<DashboardCaller["ports"]["mapListeners"]>>;
type ObservedCell = ObservedAnswer["cells"][number];
/** per shared row (rowKey), the holding workload's name by node */
export type Holders = ReadonlyMap<string, ReadonlyMap<string, string>>;
export const rowKey = (row: Pick<PortRow, "protocol" | "hostPort" | "hostIP">) =>
  `${row.protocol}/${row.hostPort}/${row.hostIP}`;

/**
 * node columns per page (ports.map's nodeLimit): a typical small cluster's nodes on one page; past what
 * a 1366-pixel screen shows, the grid scrolls sideways in its container (ports.mapListeners takes up to 50 nodes)
 */
export const NODES_PER_PAGE = 24;

/** What the grid knows of listeners: the cells by node and port, and which shown nodes sent a report. */
export interface Observed {
  cells: ReadonlyMap<string, ObservedCell>;
  observedNodes: ReadonlySet<string>;
  truncated: boolean;
}

export const observedOf = (answer: ObservedAnswer | null): Observed => ({
  cells: new Map((answer?.cells ?? []).map((c) => [cellKey(c.node, c), c])),
  observedNodes: new Set(answer?.observedNodes ?? []),
  truncated: answer?.truncated ?? false,
});

const cellKey = (node: string, port: { hostPort: number; protocol: string }) =>
  `${node}|${port.hostPort}/${port.protocol}`;

/** A cell's listeners in a few words: their processes, else their class (a kernel socket has none). */
function listenerNames(cell: ObservedCell): string {
  const names = new Set(cell.listeners.flatMap((l) => (l.processes.length > 0 ? l.processes : [l.class])));
  return [...names].join(",");
}

const listenerDetail = (cell: ObservedCell) =>
  cell.listeners
    .map(
      (l) =>
        `${l.processes.join(",") || "no process"} on ${l.family === 6 ? `[${l.address}]` : l.address}:${cell.hostPort}${l.interface ? `%${l.interface}` : ""} (${l.scope}, ${l.class})`,
    )
    .join("; ");

/** The observed mark of a cell: the holder's own socket, a listener no pod declares, or the risk. */
function ObservedMark(props: { cell: ObservedCell; row: PortRow; node: string }) {
  const { cell, row, node } = props;
  const where = `${node}: ${listenerDetail(cell)}`;
  if (cell.willCrash) {
    return (
      <span
        class="obs obs-risk"
        title={`${where}. No pod declares it, yet a hostNetwork workload holds ${row.hostPort}/${row.protocol} elsewhere: a replica placed here passes the scheduler, fails its bind (EADDRINUSE) and crash-loops`}
      >{`⚠ ${listenerNames(cell)}`}</span>
    );
  }
  if (cell.undeclared) {
    return (
      <span class="obs obs-undeclared" title={`${where}. Observed listening; no pod on the node declares it`}>
        {`obs ${listenerNames(cell)}`}
      </span>
    );
  }
  return (
    <span class="obs obs-declared" title={`${where}. Observed listening: the holder's own socket`}>
      obs
    </span>
  );
}

const NOT_OBSERVED_TITLE =
  "not observed: this node sends no listener report, so what it listens on is unknown";

function Cell(props: {
  row: PortRow;
  split: RowHolders;
  node: string;
  holders: Holders;
  observed: Observed;
  /** some shown node sends listener reports: the others are marked not observed */
  listening: boolean;
  role: RowRole;
  /** the node's column mark when it takes no new pods: "cordoned", "NotReady" */
  state: string | undefined;
}) {
  const { row, node, holders, observed } = props;
  const { pods, declared } = props.split;
  const cell = observed.cells.get(cellKey(node, row));
  const unobserved = props.listening && !observed.observedNodes.has(node);
  const mark = cell ? <ObservedMark cell={cell} row={row} node={node} /> : null;
  // The risk outweighs the cell's own state: the scheduler's "free" is what misleads here.
  const risk = cell?.willCrash ? " cell-risk" : "";
  if (row.observedOnly) {
    if (cell) return <td class={`cell-observed${risk}`}>{mark}</td>;
    if (unobserved)
      return (
        <td class="cell-unobserved" title={NOT_OBSERVED_TITLE}>
          n/o
        </td>
      );
    return (
      <td class="cell-none" title={`${node}: observed, nothing listens on ${row.hostPort}/${row.protocol}`}>
        –
      </td>
    );
  }
  if (row.pageNodes.held.includes(node)) {
    const holder =
      pods.length === 1 && declared.length === 0 && props.role !== "static"
        ? pods[0]?.name
        : holders.get(rowKey(row))?.get(node);
    // ports.who names pod holders only: a node it does not name holds the port by declaration.
    if (holder === undefined && declared.length > 0) {
      const names = declared.map((w) => `${w.namespace}/${w.name}`).join(", ");
      return (
        <td
          class={`cell-declared${risk}`}
          title={`${node}: ${row.hostPort}/${row.protocol} declared by IngressController ${names}`}
        >
          declared{mark ? " " : ""}
          {mark}
        </td>
      );
    }
    const what = props.role === "static" ? "static pod " : "";
    return (
      <td
        class={`cell-held${props.role === "static" ? " cell-static" : ""}${risk}`}
        title={`${node}: ${what}${holder ?? "held"} holds ${row.hostPort}/${row.protocol}`}
      >
        {holder ?? "held"}
        {mark ? " " : ""}
        {mark}
      </td>
    );
  }
  // A static pod runs where its manifest is: the scheduler's "free" elsewhere is no place for it.
  if (props.role === "static")
    return (
      <td
        class={`cell-none${risk}${unobserved ? " cell-unobserved" : ""}`}
        title={`${node}: no static pod of ${row.hostPort}/${row.protocol} here; a static pod is bound to its own node, not scheduled elsewhere`}
      >
        {mark ?? "–"}
      </td>
    );
  if (row.pageNodes.free.includes(node)) {
    if (unobserved)
      return (
        <td
          class="cell-free cell-unobserved"
          title={`free for the scheduler; ${NOT_OBSERVED_TITLE}: a socket nobody declares may still be in the way`}
        >
          free <span class="unobs">n/o</span>
        </td>
      );
    return (
      <td
        class={`cell-free${risk}`}
        title={
          cell
            ? `${node}: free for the scheduler, but observed listening`
            : props.listening
              ? `${node}: free, and observed listening on nothing there`
              : `${node}: free`
        }
      >
        free{mark ? " " : ""}
        {mark}
      </td>
    );
  }
  return (
    <td
      class={`cell-none${risk}${unobserved ? " cell-unobserved" : ""}`}
      title={`${node}: ${props.state ? `${props.state}, takes no new pods, so not eligible` : "not eligible for the holders, or another allocation is in the way"}${unobserved ? `; ${NOT_OBSERVED_TITLE}` : ""}`}
    >
      {mark ?? "–"}
    </td>
  );
}

export function PortGrid(props: {
  view: View;
  map: PortMapAnswer;
  holders: Holders;
  pending: readonly ConflictItem[] | null;
  observed: Observed;
}) {
  const { view, map, observed } = props;
  const { names: shown, total, offset, nextCursor, prevCursor, hasPrevious } = map.nodePage;
  const listening = shown.some((node) => observed.observedNodes.has(node));
  // A page of nodes is named by the node before it (none: the first page); the port rows stay.
  const { nodesAfter: _nodesAfter, ...rowsKept } = view.params;
  const nodesLink = (after: string | null) =>
    link(view.path, { ...rowsKept, ...asOfParam(view), nodesAfter: after ?? undefined });
  // Counted from the nodes before the page: one that starts mid-way (a node gone since the link) still adds up.
  const page = Math.ceil(offset / NODES_PER_PAGE) + 1;
  const pages = page - 1 + Math.max(1, Math.ceil((total - offset) / NODES_PER_PAGE));
  // A page of port rows is named by a row's key; the node page stays where it is.
  const { after: _after, before: _before, ...kept } = view.params;
  const portsLink = (cursor: { after: string } | { before: string }) =>
    link(view.path, { ...kept, ...asOfParam(view), ...cursor });
  const first = map.ports[0];
  const last = map.ports[map.ports.length - 1];
  const from = shown.length === 0 ? 0 : offset + 1;
  const unschedulable = new Map(map.unschedulableNodes.map((n) => [n.name, nodeStateText(n)]));
  return (
    <section aria-labelledby="grid-heading">
      <h2 id="grid-heading">Port map</h2>
      <p>
        {`${map.totalPorts} host ports${map.ports.some((r) => r.observedOnly) ? " (observed-only ones included)" : ""} on ${clusterNodesText(map)}. `}
        {first && last
          ? `This page: ${map.ports.length} of them, ${first.hostPort}/${first.protocol} to ${last.hostPort}/${last.protocol}. `
          : ""}
        {map.prevCursor ? <a href={portsLink({ before: map.prevCursor })}>Previous ports</a> : null}{" "}
        {map.nextCursor ? <a href={portsLink({ after: map.nextCursor })}>Next ports</a> : null}
      </p>
      <p class="grid-pager">
        <strong>{`Nodes ${from}–${from === 0 ? 0 : offset + shown.length} of ${total}`}</strong>
        {pages > 1 ? ` (page ${page} of ${pages}, ${NODES_PER_PAGE} node columns a page). ` : ". "}
        {hasPrevious ? <a href={nodesLink(prevCursor)}>← Previous nodes</a> : null}{" "}
        {nextCursor ? <a href={nodesLink(nextCursor)}>Next nodes →</a> : null}{" "}
        <a href="#grid-legend">What the cells and numbers mean</a>
      </p>
      {shown.length > 0 && !listening ? (
        <p class="notice notice-info">
          None of these nodes sends listener reports (docs/listeners.md, "The node reader"): the grid shows
          declared holds only, and what the nodes listen on is unknown.
        </p>
      ) : null}
      {observed.truncated ? (
        <p class="notice notice-info">
          More listeners than one answer carries are on these ports and nodes: some cells may lack their mark.
        </p>
      ) : null}
      <div class="scroll">
        <table class="grid">
          <thead>
            <tr>
              <th scope="col">Port</th>
              <th scope="col">Held by</th>
              <th scope="col" class="num" title="nodes where the port is held, by pods or declared">
                Held
              </th>
              <th scope="col" class="num" title={ELIGIBLE_TITLE}>
                Free
              </th>
              <th scope="col">Pending</th>
              {/* A HostNetwork IngressController holds its ports on every node it selects, pods or not. */}
              <th scope="col">Declared by</th>
              {shown.map((node) => {
                const state = unschedulable.get(node);
                return (
                  <th
                    scope="col"
                    class="node"
                    title={`${node}${state ? `: ${state}, takes no new pods` : ""}`}
                  >
                    <span>{node}</span>
                    {state ? <span class="node-state">{state}</span> : null}
                    {listening && !observed.observedNodes.has(node) ? (
                      <span class="unobs" title={NOT_OBSERVED_TITLE}>
                        n/o
                      </span>
                    ) : null}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {map.ports.map((row) => {
              const split = holdersOf(row);
              const role = rowRole(row);
              return (
                <tr>
                  <PortRowHead
                    view={view}
                    row={row}
                    role={role}
                    split={split}
                    map={map}
                    pending={props.pending}
                  />
                  {shown.map((node) => (
                    <Cell
                      row={row}
                      split={split}
                      node={node}
                      holders={props.holders}
                      observed={observed}
                      listening={listening}
                      role={role}
                      state={unschedulable.get(node)}
                    />
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <GridLegend />
    </section>
  );
}
