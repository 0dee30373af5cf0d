/**
 * A time series for dashboard.js to draw with uPlot. The data rides in a data- attribute (hono/jsx
 * escapes it like any text, and the script reads it with JSON.parse, never as HTML); the same points
 * are a table inside <details> for keyboards, screen readers and pages without script.
 */
import { firstKnownIndex } from "../../../domain/time-series.js";

export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

export interface ChartData {
  /** seconds since the epoch, one per point */
  x: number[];
  series: ChartSeries[];
}

/** The chart from its first observation: leading points no series knows a value at are left out. */
export function fromFirstObservation(data: ChartData): ChartData {
  const start = firstKnownIndex(data.series.map((s) => s.values));
  return {
    x: data.x.slice(start),
    series: data.series.map((s) => ({ ...s, values: s.values.slice(start) })),
  };
}

export function Chart(props: { id: string; title: string; data: ChartData }) {
  const { data } = props;
  return (
    <figure class="chart" aria-labelledby={`${props.id}-title`}>
      <figcaption id={`${props.id}-title`}>{props.title}</figcaption>
      <div class="chart-canvas" id={props.id} data-chart={JSON.stringify(data)} />
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
