/**
 * The Node server's own event-loop delay, for /metrics: perf_hooks.monitorEventLoopDelay, read per
 * window (a minute by default) so a gauge says how the loop fared recently, not since the start. The
 * figures are those of the last completed window; Node only (the Worker entry has no such monitor).
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { RuntimeGauge } from "../api/env.js";

export interface EventLoopDelayGauges {
  gauges(): RuntimeGauge[];
  stop(): void;
}

export function watchEventLoopDelay(windowMs = 60_000): EventLoopDelayGauges {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let last = { p99: 0, max: 0 };
  const rotate = setInterval(() => {
    last = { p99: histogram.percentile(99) / 1e9, max: histogram.max / 1e9 };
    histogram.reset();
  }, windowMs);
  rotate.unref();
  return {
    gauges: () => [
      {
        name: "portolan_event_loop_delay_p99_seconds",
        help: `99th percentile of the server's event-loop delay over the last completed ${windowMs / 1000} s`,
        value: last.p99,
      },
      {
        name: "portolan_event_loop_delay_max_seconds",
        help: `longest event-loop delay of the server over the last completed ${windowMs / 1000} s`,
        value: last.max,
      },
    ],
    stop: () => {
      clearInterval(rotate);
      histogram.disable();
    },
  };
}
