// Runs a simulation in a worker thread, so that a server's event loop stays free while it runs.
import { Worker } from 'node:worker_threads';
import { DatacenterInputError } from './input-error.js';
import type { SimulationResult } from './model.js';
import type { SimulationRequest } from './run-simulation.js';

type Reply =
  | { ok: true; result: SimulationResult }
  | { ok: false; input: { file: string; field: string; problem: string } }
  | { ok: false; message: string };

function startWorker(data: SimulationRequest): Worker {
  // From the TypeScript sources (tests, tsx) the worker loads the .ts module through tsx.
  const fromSources = import.meta.url.endsWith('.ts');
  const entry = new URL(
    fromSources ? './simulate-worker.ts' : './simulate-worker.js',
    import.meta.url,
  );
  if (!fromSources) return new Worker(entry, { workerData: data });
  const bootstrap = `import(${JSON.stringify('tsx/esm/api')}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: data });
}

/**
 * `runSimulation(request)` in a worker thread: resolves with the result, rejects with a
 * `DatacenterInputError` for bad input (or an Error for anything else).
 */
export function simulateInWorker(request: SimulationRequest): Promise<SimulationResult> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(request);
    let settled = false;
    worker.once('message', (reply: Reply) => {
      settled = true;
      if (reply.ok) resolve(reply.result);
      else if ('input' in reply)
        reject(new DatacenterInputError(reply.input.file, reply.input.field, reply.input.problem));
      else reject(new Error(`the simulation failed: ${reply.message}`));
      void worker.terminate();
    });
    worker.once('error', (error) => {
      if (!settled) reject(error);
      settled = true;
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the simulation worker exited with code ${code}`));
      settled = true;
    });
  });
}
