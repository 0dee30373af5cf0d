/** Latency samples per operation and errors by status/code, summarised as percentiles. */
export class Recorder {
  private readonly samples = new Map<string, number[]>();
  readonly errors = new Map<string, number>();

  latency(operation: string, ms: number): void {
    let list = this.samples.get(operation);
    if (!list) {
      list = [];
      this.samples.set(operation, list);
    }
    list.push(ms);
  }

  error(operation: string, what: string): void {
    const key = `${operation} ${what}`;
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  }

  count(operation: string): number {
    return this.samples.get(operation)?.length ?? 0;
  }

  summary(operation: string): { n: number; p50: number; p95: number; p99: number; max: number } {
    const sorted = [...(this.samples.get(operation) ?? [])].sort((a, b) => a - b);
    const at = (q: number) =>
      Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
    return { n: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
  }

  operations(): string[] {
    return [...this.samples.keys()];
  }
}
