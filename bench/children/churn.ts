// Create/delete churn in one process: `cycles` twins, each created and deleted, with distinct ids,
// through the runtime on an SQLite journal (writer thread). Prints a JSON line of RSS, heap and
// twins in memory every `every` cycles. Arguments: data directory, cycles, every, keepDeleted.
import { join } from 'node:path';
import { resourceOf } from '../../src/core/thing-resource.js';
import { TwinRuntime } from '../../src/runtime/twin-runtime.js';
import { MemoryTwinIndex } from '../../src/store/memory/memory-twin-index.js';
import { SqliteJournal } from '../../src/store/sqlite/sqlite-journal.js';

const [dir, cyclesArg, everyArg] = process.argv.slice(2);
const cycles = Number(cyclesArg);
const every = Number(everyArg);
const runtime = new TwinRuntime({
  journal: new SqliteJournal({ path: join(dir, 'journal.db'), writerThread: true }),
  index: new MemoryTwinIndex(),
});
await runtime.load();
const body = { attributes: { kind: 'churn', n: 1 }, features: { f: { properties: { v: 1 } } } };
const started = performance.now();
const inFlight = 500;
for (let done = 0; done < cycles; done += inFlight) {
  const writes: Promise<unknown>[] = [];
  for (let i = done; i < Math.min(cycles, done + inFlight); i++) {
    const resource = resourceOf(`churn:t${i}`, 'thing');
    writes.push(runtime.write({ kind: 'modify', resource, value: body }));
    writes.push(runtime.write({ kind: 'delete', resource }));
  }
  await Promise.all(writes);
  const reached = Math.min(cycles, done + inFlight);
  if (reached % every === 0) {
    global.gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    console.log(
      JSON.stringify({
        cycles: reached,
        rss,
        heapUsed,
        inMemory: runtime.twinsInMemory,
        seconds: (performance.now() - started) / 1000,
      }),
    );
  }
}
await runtime.close();
