// Starts a worker thread on a module next to this one: the compiled module, or, when running from
// the TypeScript sources (tests, `tsx`), the source module loaded through tsx's require hook.
import { Worker } from 'node:worker_threads';

/** A worker thread running `./<name>.js` (or `./<name>.ts` from the sources) with `data`. */
export function startModuleWorker(name: string, data: unknown): Worker {
  const entry = new URL(
    import.meta.url.endsWith('.ts') ? `./${name}.ts` : `./${name}.js`,
    import.meta.url,
  );
  // The process's other Node flags, not tsx's loader: the worker loads compiled modules, or
  // registers tsx itself; a loader inherited would start a thread of its own in every worker.
  const execArgv = withoutTsxLoader(process.execArgv);
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData: data, execArgv });
  const bootstrap = `require('tsx/cjs/api').register(); require(${JSON.stringify(entry.pathname)});`;
  return new Worker(bootstrap, { eval: true, workerData: data, execArgv });
}

/** `argv` without `--import tsx` (`node --import tsx`, as the benchmarks and scripts run). */
export function withoutTsxLoader(argv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--import' && argv[i + 1] === 'tsx') i++;
    else if (argv[i] !== '--import=tsx') kept.push(argv[i]);
  }
  return kept;
}
