// Starts a worker thread on a module next to this one: the compiled module, or, when running from
// the TypeScript sources (tests, `tsx`), the source module loaded through tsx's require hook.
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** A worker thread running `./<name>.js` (or `./<name>.ts` from the sources) with `data`. */
export function startModuleWorker(name: string, data: unknown): Worker {
  const entry = new URL(
    import.meta.url.endsWith('.ts') ? `./${name}.ts` : `./${name}.js`,
    import.meta.url,
  );
  if (!entry.pathname.endsWith('.ts')) return startWorker(entry, { workerData: data });
  const bootstrap = `require('tsx/cjs/api').register(); require(${JSON.stringify(entry.pathname)});`;
  return startWorker(bootstrap, { eval: true, workerData: data });
}

/**
 * A worker with the process's Node flags but tsx's loader: the worker loads compiled modules, or
 * registers tsx itself, and a loader inherited would start a thread of its own in every worker.
 * Flags given explicitly are checked, and a per-process one (`--max-semi-space-size`) is refused,
 * where inherited ones are not: then the worker inherits them all, as before.
 */
function startWorker(entry: URL | string, options: WorkerOptions): Worker {
  const execArgv = withoutTsxLoader(process.execArgv);
  if (execArgv.length === process.execArgv.length) return new Worker(entry, options);
  try {
    return new Worker(entry, { ...options, execArgv });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
    return new Worker(entry, options);
  }
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
