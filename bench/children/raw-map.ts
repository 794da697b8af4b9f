// Memory reference: a bare node process that reads the journal's current-state rows raw with
// better-sqlite3 into a Map of JSON strings, reports the time, and stays alive to be measured.
import Database from 'better-sqlite3';

const started = performance.now();
const db = new Database(process.argv[2], { readonly: true });
const twins = new Map<string, string>();
const rows = db.prepare('SELECT thing_id, json FROM things').raw().iterate() as IterableIterator<
  [string, string | null]
>;
for (const [thingId, json] of rows) if (json !== null) twins.set(thingId, json);
db.close();
console.log(JSON.stringify({ rows: twins.size, readMs: performance.now() - started }));
const timer = setInterval(() => twins.size, 60_000);
process.on('SIGTERM', () => {
  clearInterval(timer);
  process.exit(0);
});
