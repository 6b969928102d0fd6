import type { InvocationOutcome, InvocationRecord, InvocationTrigger } from '../invocations/types.ts';
import { binDuration, type DurationBins, emptyDurationBins } from './duration-bins.ts';

/**
 * Invocations of one function under one trigger that ended one way: what the metrics
 * need of them (metrics.ts). A serving worker sends tallies beside its record runs,
 * so the main thread counts a run of invocations without looking at each record.
 */
export interface InvocationTally {
  appId: string;
  functionName: string;
  trigger: InvocationTrigger;
  outcome: InvocationOutcome;
  /** The invocations' durations, binned as the duration histogram's buckets. */
  durations: DurationBins;
}

/** Tallies records as they come; records come in runs of one function and outcome. */
export class InvocationTallies {
  #tallies: InvocationTally[] = [];
  #last: InvocationTally | undefined;

  add({ appId, functionName, trigger, outcome, durationMs }: InvocationRecord): void {
    let tally = this.#last;
    if (
      tally?.outcome !== outcome ||
      tally.functionName !== functionName ||
      tally.appId !== appId ||
      tally.trigger !== trigger
    ) {
      tally = this.#tallies.find(
        (t) =>
          t.outcome === outcome &&
          t.functionName === functionName &&
          t.appId === appId &&
          t.trigger === trigger,
      );
      if (tally === undefined) {
        tally = { appId, functionName, trigger, outcome, durations: emptyDurationBins() };
        this.#tallies.push(tally);
      }
      this.#last = tally;
    }
    binDuration(tally.durations, durationMs / 1000);
  }

  /** The tallies so far; starts afresh. */
  take(): InvocationTally[] {
    const tallies = this.#tallies;
    this.#tallies = [];
    this.#last = undefined;
    return tallies;
  }
}
