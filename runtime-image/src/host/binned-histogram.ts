import type { Metric, Registry } from 'prom-client';
import { type DurationBins, emptyDurationBins } from './duration-bins.ts';

type Labels = Record<string, string>;

/** One line of the exposition, as prom-client's registry formats it. */
interface Sample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

interface Series {
  labels: Labels;
  bins: DurationBins;
}

/**
 * A Prometheus histogram fed counts already binned (duration-bins.ts) instead of one
 * value at a time: prom-client's Histogram has no way to add counts in bulk. It
 * exposes what prom-client's Histogram does for the same observations (`_bucket`
 * cumulative with `le` first, `_sum`, `_count`), and registers as one of its metrics.
 */
export class BinnedHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  readonly #bounds: readonly number[];
  readonly #series = new Map<string, Series>();

  constructor(options: { name: string; help: string; bounds: readonly number[]; registers: Registry[] }) {
    this.name = options.name;
    this.help = options.help;
    this.#bounds = options.bounds;
    // The registry reads a metric through get(), name, help and type only.
    for (const registry of options.registers) registry.registerMetric(this as unknown as Metric);
  }

  /** The live bins of one label set, to add counts into. */
  bins(labels: Labels): DurationBins {
    const key = JSON.stringify(labels);
    let series = this.#series.get(key);
    if (!series) {
      series = { labels: { ...labels }, bins: emptyDurationBins() };
      this.#series.set(key, series);
    }
    return series.bins;
  }

  reset(): void {
    this.#series.clear();
  }

  async get(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    values: Sample[];
    aggregator: 'sum';
  }> {
    const values: Sample[] = [];
    for (const { labels, bins } of this.#series.values()) {
      let cumulative = 0;
      this.#bounds.forEach((bound, i) => {
        cumulative += bins.counts[i]!;
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { le: bound, ...labels },
          value: cumulative,
        });
      });
      cumulative += bins.counts[this.#bounds.length]!;
      values.push({
        metricName: `${this.name}_bucket`,
        labels: { le: '+Inf', ...labels },
        value: cumulative,
      });
      values.push({ metricName: `${this.name}_sum`, labels, value: bins.sumSeconds });
      values.push({ metricName: `${this.name}_count`, labels, value: cumulative });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
