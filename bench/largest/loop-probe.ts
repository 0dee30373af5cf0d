/**
 * Preloaded into the server the largest-snapshot benchmark starts (`--import`): it measures the
 * server's own event-loop delay (perf_hooks.monitorEventLoopDelay) and peak RSS, and answers the
 * benchmark over the IPC channel: "reset" before a push, "read" after it.
 */
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";

const histogram = monitorEventLoopDelay({ resolution: 10 });
histogram.enable();
let peakRss = 0;
let cpu = process.cpuUsage();
let since = performance.now();
// The loop's own samples miss a stall's peak; the kernel's high-water mark does not (read below).
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 50);
sampler.unref();

process.on("message", (message: unknown) => {
  if (message === "reset") {
    histogram.reset();
    peakRss = process.memoryUsage.rss();
    cpu = process.cpuUsage();
    since = performance.now();
    process.send?.({ reset: true });
  } else if (message === "read") {
    const used = process.cpuUsage(cpu);
    process.send?.({
      // CPU time the server got over the wall time: below 1 on a shared machine, every stall is longer
      cpuShare: (used.user + used.system) / 1000 / (performance.now() - since),
      p99Ms: histogram.percentile(99) / 1e6,
      maxMs: histogram.max / 1e6,
      samples: histogram.count,
      peakRssSampled: Math.max(peakRss, process.memoryUsage.rss()),
      // ru_maxrss: the process's peak since it started, in KiB on Linux
      maxRss: process.resourceUsage().maxRSS * 1024,
      heapLimit: getHeapStatistics().heap_size_limit,
    });
  }
});
