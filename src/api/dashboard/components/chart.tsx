/**
 * A time series for dashboard.js to draw with uPlot. The data rides in a data- attribute (hono/jsx
 * escapes it like any text, and the script reads it with JSON.parse, never as HTML); the same points
 * are a table inside <details> for keyboards, screen readers and pages without script.
 */
import { coincidingSet, legendLabels } from "../../../domain/coinciding-series.js";
import { firstKnownIndex } from "../../../domain/time-series.js";

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  /** draw point markers: it coincides with another series, which would otherwise hide it */
  markers?: boolean;
}

export interface ChartData {
  /** seconds since the epoch, one per point */
  x: number[];
  series: ChartSeries[];
  /** events drawn as numbered vertical lines (trends.events), x in seconds */
  events?: { x: number; label: string }[];
  /** events in the window beyond those listed */
  moreEvents?: number;
}

/** The chart from its first observation: leading points no series knows a value at are left out. */
export function fromFirstObservation(data: ChartData): ChartData {
  const start = firstKnownIndex(data.series.map((s) => s.values));
  return {
    ...data,
    x: data.x.slice(start),
    series: data.series.map((s) => ({ ...s, values: s.values.slice(start) })),
  };
}

/** Series that coincide are marked, and their legend says with which ("pods (same as allocations)"). */
function distinct(data: ChartData): ChartData {
  const named = data.series.map((s) => ({ name: s.label, values: s.values }));
  const labels = legendLabels(named);
  const marked = coincidingSet(named.map((s) => s.values));
  return {
    ...data,
    series: data.series.map((s, k) => ({ ...s, label: labels[k] ?? s.label, markers: marked[k] ?? false })),
  };
}

export function Chart(props: { id: string; title: string; data: ChartData }) {
  const data = distinct(props.data);
  return (
    <figure class="chart" aria-labelledby={`${props.id}-title`}>
      <figcaption id={`${props.id}-title`}>{props.title}</figcaption>
      <div class="chart-canvas" id={props.id} data-chart={JSON.stringify(data)} />
      {data.events && data.events.length > 0 ? (
        <ol class="chart-events">
          {data.events.map((e) => (
            <li>{`${new Date(e.x * 1000).toISOString()} ${e.label}`}</li>
          ))}
        </ol>
      ) : null}
      {data.moreEvents ? <p class="muted">{`… and ${data.moreEvents} more events`}</p> : null}
      <details>
        <summary>{`Data (${data.x.length} points)`}</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Time (UTC)</th>
              {data.series.map((s) => (
                <th scope="col" class="num">
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data.x.map((t, i) => (
              <tr>
                <td>{new Date(t * 1000).toISOString()}</td>
                {data.series.map((s) => (
                  <td class="num">{s.values[i] ?? "–"}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
