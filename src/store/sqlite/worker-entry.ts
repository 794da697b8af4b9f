// Starts a worker thread on a module next to this one: the compiled module, or, when running from
// the TypeScript sources (tests, `tsx`), the source module loaded through tsx's require hook.
import { Worker } from 'node:worker_threads';

/** A worker thread running `./<name>.js` (or `./<name>.ts` from the sources) with `data`. */
export function startModuleWorker(name: string, data: unknown): Worker {
  const entry = new URL(
    import.meta.url.endsWith('.ts') ? `./${name}.ts` : `./${name}.js`,
    import.meta.url,
  );
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData: data });
  const bootstrap = `require('tsx/cjs/api').register(); require(${JSON.stringify(entry.pathname)});`;
  return new Worker(bootstrap, { eval: true, workerData: data });
}
