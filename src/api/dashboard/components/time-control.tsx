/**
 * The time control: one form on every page that moves the current view to `asOf`. Links jump in one
 * click; the slider (last 30 days, dashboard.js) fills the date field and submits on release or Enter; without script the
 * field and "Show" still work. The view's other parameters ride along as hidden fields.
 */
import { link, toLocalInput } from "../url-state.js";
import type { View } from "../view.js";

const DAY_MS = 86_400_000;
export const TIME_CONTROL_DAYS = 30;

export function TimeControl({ view }: { view: View }) {
  const daysAgo = view.asOf
    ? Math.min(
        TIME_CONTROL_DAYS,
        Math.max(0, Math.round((view.now.getTime() - view.asOf.getTime()) / DAY_MS)),
      )
    : 0;
  const ago = (days: number) =>
    link(view.path, { ...view.params, asOf: new Date(view.now.getTime() - days * DAY_MS).toISOString() });
  return (
    <form class="time-control" method="get" action={view.path} aria-label="Time control">
      {Object.entries(view.params).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <span class="time-state" id="time-state">
        {view.asOf ? `Showing ${view.asOf.toISOString()}` : "Showing now"}
      </span>
      <label for="asOf">As of (UTC)</label>
      <input
        id="asOf"
        name="asOf"
        type="datetime-local"
        step="60"
        value={view.asOf ? toLocalInput(view.asOf) : ""}
        min={toLocalInput(new Date(view.now.getTime() - TIME_CONTROL_DAYS * DAY_MS))}
        max={toLocalInput(view.now)}
      />
      <label for="daysAgo">Days ago</label>
      <input
        id="daysAgo"
        type="range"
        min="0"
        max={String(TIME_CONTROL_DAYS)}
        step="1"
        value={String(daysAgo)}
        data-now={view.now.toISOString()}
      />
      <output id="daysAgoValue" for="daysAgo">
        {daysAgo === 0 ? "today" : `${daysAgo} d ago`}
      </output>
      <button type="submit">Show</button>
      <a href={link(view.path, view.params)}>Now</a>
      <a href={ago(1)}>1 day ago</a>
      <a href={ago(7)}>7 days ago</a>
      <a href={ago(TIME_CONTROL_DAYS)}>30 days ago</a>
    </form>
  );
}
