/**
 * A cluster's port map as a grid: one row per (port, protocol, host IP), one column per node, a page
 * of rows (ports.map's cursors) and a page of nodes at a time. ports.map names at most 50 holders and 50 free nodes per port (counts exact),
 * so a node past those samples shows "?" and the row links to the fleet-wide holder list. Beside the
 * declared holds, what the page's nodes were observed listening on (ports.mapListeners): a mark per
 * cell, the will-crash risk standing out, rows for ports only listeners hold, and nodes that send no
 * listener report told apart from free ones (the legend says what each mark means).
 */
import type { DashboardCaller } from "../session.js";
import { link } from "../url-state.js";
import { asOfParam, type View } from "../view.js";

export type PortMapAnswer = Awaited<ReturnType<DashboardCaller["ports"]["map"]>>;
export type ObservedAnswer = Awaited<ReturnType<DashboardCaller["ports"]["mapListeners"]>>;
type ObservedCell = ObservedAnswer["cells"][number];
export type ConflictItem = Awaited<ReturnType<DashboardCaller["conflicts"]["list"]>>["items"][number];
type PortRow = PortMapAnswer["ports"][number];
/** per shared row (rowKey), the holding workload's name by node */
export type Holders = ReadonlyMap<string, ReadonlyMap<string, string>>;
export const rowKey = (row: Pick<PortRow, "protocol" | "hostPort" | "hostIP">) =>
  `${row.protocol}/${row.hostPort}/${row.hostIP}`;

/** node columns per page: what fits beside the port columns on a 1366-pixel screen */
export const NODES_PER_PAGE = 12;

const byName = new Intl.Collator().compare;

/** Every node the map names, holders, free nodes and the first listening ones, sorted: the grid's columns. */
export function gridNodes(map: PortMapAnswer): string[] {
  const names = new Set<string>();
  for (const row of map.ports) {
    for (const node of [...row.nodes, ...row.freeNodes, ...(row.observedListeners?.nodeNames ?? [])]) {
      names.add(node);
    }
  }
  return [...names].sort(byName);
}

/** The node columns a page of the grid shows (the URL's `nodes` page, kept within the pages there are). */
export function gridColumns(map: PortMapAnswer, nodePage: number) {
  const nodes = gridNodes(map);
  const pages = Math.max(1, Math.ceil(nodes.length / NODES_PER_PAGE));
  const page = Math.min(Math.max(1, nodePage), pages);
  return { nodes, pages, page, shown: nodes.slice((page - 1) * NODES_PER_PAGE, page * NODES_PER_PAGE) };
}

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

function Cell(props: {
  row: PortRow;
  split: RowHolders;
  node: string;
  holders: Holders;
  observed: Observed;
  /** some shown node sends listener reports: the others are marked not observed */
  listening: boolean;
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
  if (row.nodes.includes(node)) {
    const holder =
      pods.length === 1 && declared.length === 0 ? pods[0]?.name : holders.get(rowKey(row))?.get(node);
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
    return (
      <td
        class={`cell-held${risk}`}
        title={`${node}: ${holder ?? "held"} holds ${row.hostPort}/${row.protocol}`}
      >
        {holder ?? "held"}
        {mark ? " " : ""}
        {mark}
      </td>
    );
  }
  if (row.freeNodes.includes(node)) {
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
  if (isCapped(row))
    return (
      <td class={`cell-unknown${risk}`} title="past the listed sample: see who uses the port">
        ?{mark ? " " : ""}
        {mark}
      </td>
    );
  return (
    <td
      class={`cell-none${risk}${unobserved ? " cell-unobserved" : ""}`}
      title={`not eligible for the holders, or another allocation is in the way${unobserved ? `; ${NOT_OBSERVED_TITLE}` : ""}`}
    >
      {mark ?? "–"}
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
  observed: Observed;
}) {
  const { view, map, observed } = props;
  const { nodes, pages, page, shown } = gridColumns(map, props.nodePage);
  const listening = shown.some((node) => observed.observedNodes.has(node));
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
        {`${map.totalPorts} host ports${map.ports.some((r) => r.observedOnly) ? " (observed-only ones included)" : ""} on ${map.nodes} nodes (${map.schedulableNodes} schedulable). `}
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
                  {listening && !observed.observedNodes.has(node) ? (
                    <span class="unobs" title={NOT_OBSERVED_TITLE}>
                      n/o
                    </span>
                  ) : null}
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
                    {row.observedOnly ? <div class="status status-observed">observed only</div> : null}
                    {split.pods.map((w) => (
                      <div>{`${w.namespace}/${w.name} (${w.kind}, ${w.pods})`}</div>
                    ))}
                    {row.observedListeners ? (
                      <div class="muted">{`listening on ${row.observedListeners.nodes} observed node${row.observedListeners.nodes === 1 ? "" : "s"}`}</div>
                    ) : null}
                  </td>
                  {row.observedOnly ? (
                    // No holder: nothing is held by declaration, and free slots are a holder's.
                    <>
                      <td class="num muted">–</td>
                      <td class="num muted">–</td>
                    </>
                  ) : (
                    <>
                      <td class="num">{row.heldCount}</td>
                      <td
                        class={`num ${row.freeCount === 0 ? "status-none" : row.freeCount === 1 ? "status-low" : ""}`}
                      >
                        {row.freeCount}
                      </td>
                    </>
                  )}
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
                    <Cell
                      row={row}
                      split={split}
                      node={node}
                      holders={props.holders}
                      observed={observed}
                      listening={listening}
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

/** What each mark of the grid means: declared holds, observed listeners, and what is not known. */
function GridLegend() {
  return (
    <div class="legend">
      <h3>Legend</h3>
      <dl>
        <dt>
          <span class="cell-held">router</span>
        </dt>
        <dd>a pod of that workload holds the port on the node (declared in its spec)</dd>
        <dt>
          <span class="cell-declared">declared</span>
        </dt>
        <dd>a HostNetwork IngressController declares the port on the node, pods or not</dd>
        <dt>
          <span class="cell-free">free</span>
        </dt>
        <dd>
          one more replica of the holders could take the port there; on an observed node nothing listens on it
          either
        </dd>
        <dt>
          <span class="cell-none">–</span>
        </dt>
        <dd>
          not eligible for the holders, or another allocation is in the way; on an observed-only row:
          observed, nothing listens on the port
        </dd>
        <dt>
          <span class="cell-unknown">?</span>
        </dt>
        <dd>past the 50 nodes a row lists: follow the port's link</dd>
        <dt>
          <span class="obs obs-declared">obs</span>
        </dt>
        <dd>observed listening: the holder's own socket (a hostNetwork pod on the node declares the port)</dd>
        <dt>
          <span class="obs obs-undeclared">obs sshd</span>
        </dt>
        <dd>
          observed listening, declared by no pod on the node (a host service, a kernel socket, another pod's
          socket), with its process names
        </dd>
        <dt>
          <span class="cell-risk">
            <span class="obs obs-risk">⚠ sshd</span>
          </span>
        </dt>
        <dd>
          will crash: a listener no pod declares, on a port a hostNetwork workload holds elsewhere; the
          scheduler counts the node free, so a replica placed there starts, fails its bind (EADDRINUSE) and
          crash-loops
        </dd>
        <dt>
          <span class="status status-observed">observed only</span>
        </dt>
        <dd>
          a port no pod and no IngressController declares, which nodes listen on. Loopback-only listeners are
          listed too: a wildcard bind of the port (0.0.0.0) fails on them
        </dd>
        <dt>
          <span class="unobs">n/o</span>
        </dt>
        <dd>not observed: the node sends no listener report, so "free" there is the scheduler's view only</dd>
      </dl>
    </div>
  );
}
