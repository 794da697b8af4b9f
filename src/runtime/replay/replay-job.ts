// What a replay worker is given and what it answers: plain data, crossing the thread boundary.
import type { JsonObject } from '../../core/json.js';
import type { JournalLocation } from '../../store/journal-pages.js';
import type { ReplayComparison } from './replay-comparison.js';

export interface ReplayJob {
  journal: JournalLocation;
  /** The type replayed, by id and document (compiled in the worker). */
  typeId: string;
  typeDocument: JsonObject;
  /** What each live type the twins name computes (stripped from their inputs), by type id. */
  liveOutputs: Record<string, readonly string[]>;
  /** The twins replayed, by id. */
  twins: string[];
  /**
   * Events committed at or after this time (epoch ms) are replayed, each twin from its state
   * before it (which the worker looks up in the journal; from 0, each starts from nothing).
   */
  from: number;
  /** Events committed before this time (epoch ms) are replayed; ticks due before it run. */
  to: number;
  /** Send the replayed twins' final states back (for writing them into a scenario). */
  keepFinal: boolean;
  /** Events read per page. */
  pageSize?: number;
  /**
   * `low` (the default): the worker threads run at the lowest CPU priority, taking only what live
   * work leaves; `normal`: at the process's.
   */
  priority?: 'low' | 'normal';
}

/** A replayed twin's state after the range (null when deleted). */
export interface FinalState {
  thingId: string;
  thing: JsonObject | null;
}

export type ReplayMessage =
  | { kind: 'counted'; events: number }
  | { kind: 'progress'; eventsDone: number }
  | {
      kind: 'done';
      comparison: ReplayComparison;
      finals: FinalState[];
      /** Seconds spent reading and replaying (after counting). */
      seconds: number;
    }
  | { kind: 'failed'; message: string };
