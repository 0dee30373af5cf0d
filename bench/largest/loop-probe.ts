/**
 * Preloaded into the server the largest-snapshot benchmark starts (`--import`): it measures the
 * server's own event-loop delay (perf_hooks.monitorEventLoopDelay) and peak RSS, and answers the
 * benchmark over the IPC channel: "reset" before a push, "read" after it.
 */
import { constants, monitorEventLoopDelay, PerformanceObserver, performance } from "node:perf_hooks";
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
// The live heap: what a major collection leaves. Its peak against the heap's cap says how close a
// smaller cap would come to running out (a peak RSS is mostly garbage not yet collected).
let liveHeapPeak = 0;
const majorCollections = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    // Node puts the collection's kind in `detail`; @types/node 20 does not declare it on the entry.
    const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
      liveHeapPeak = Math.max(liveHeapPeak, getHeapStatistics().used_heap_size);
    }
  }
});
majorCollections.observe({ entryTypes: ["gc"] });

process.on("message", (message: unknown) => {
  if (message === "reset") {
    histogram.reset();
    peakRss = process.memoryUsage.rss();
    liveHeapPeak = 0;
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
      liveHeapPeak,
      heapLimit: getHeapStatistics().heap_size_limit,
    });
  }
});
