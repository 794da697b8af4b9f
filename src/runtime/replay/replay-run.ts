// One replay job from start to end, on journal pages: find where each twin starts, count, replay
// twin by twin, report. Runs in the replay worker; kept apart from it so that a test can run it on
// the caller's thread.
import type { JournalPages, TwinStart } from '../../store/journal-pages.js';
import { compileType } from '../../types/compile-type.js';
import { addTwin, emptyComparison } from './replay-comparison.js';
import type { FinalState, ReplayJob, ReplayMessage } from './replay-job.js';
import { TwinReplay } from './twin-replay.js';

/** Events read per page unless the job says otherwise. */
const PAGE_SIZE = 10_000;
/** Progress is posted at most this often (ms). */
const PROGRESS_EVERY_MS = 100;

export async function runReplayJob(
  job: ReplayJob,
  pages: JournalPages,
  post: (message: ReplayMessage) => void,
): Promise<void> {
  const type = compileType(job.typeId, job.typeDocument);
  const liveOutputs = (typeId: string | undefined) =>
    (typeId === undefined ? undefined : job.liveOutputs[typeId]) ?? [];
  // Where each twin starts, read here rather than on the thread that serves live writes.
  const starts: TwinStart[] = [];
  for (const thingId of job.twins)
    starts.push(
      job.from <= 0 ? { afterRevision: 0, start: null } : await pages.startOf(thingId, job.from),
    );
  const ranges = job.twins.map((thingId, i) => ({
    thingId,
    afterRevision: starts[i].afterRevision,
    beforeTimestamp: job.to,
  }));
  let total = 0;
  for (const range of ranges) total += await pages.count(range);
  post({ kind: 'counted', events: total });
  const started = performance.now();
  const comparison = emptyComparison();
  const finals: FinalState[] = [];
  let done = 0;
  let posted = Date.now();
  for (let i = 0; i < job.twins.length; i++) {
    const thingId = job.twins[i];
    const replay = new TwinReplay(type, thingId, starts[i].start, liveOutputs);
    for await (const page of pages.pages(ranges[i], job.pageSize ?? PAGE_SIZE)) {
      for (const event of page) replay.event(event);
      done += page.length;
      if (Date.now() - posted >= PROGRESS_EVERY_MS) {
        post({ kind: 'progress', eventsDone: done });
        posted = Date.now();
      }
    }
    const result = replay.finish(job.to);
    addTwin(comparison, result);
    if (job.keepFinal) finals.push({ thingId, thing: result.final });
  }
  post({ kind: 'progress', eventsDone: done });
  post({ kind: 'done', comparison, finals, seconds: (performance.now() - started) / 1000 });
}
