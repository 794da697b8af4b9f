// The worker thread of `simulateInWorker`: reads the inputs, simulates, and posts the result back
// (typed arrays transferred, not copied), or the input error.
import { parentPort, workerData } from 'node:worker_threads';
import { runSimulation, type SimulationRequest } from './run-simulation.js';
import { DatacenterInputError } from './input-error.js';

const request = workerData as SimulationRequest;
try {
  const result = await runSimulation(request);
  const transfer = result.masses.flatMap((m) => [
    m.offsets.buffer,
    m.utilisation.buffer,
    m.hostSeconds.buffer,
  ]);
  if (result.hostUtilisation !== undefined) transfer.push(result.hostUtilisation.buffer);
  parentPort!.postMessage({ ok: true, result }, transfer as ArrayBuffer[]);
} catch (error) {
  if (error instanceof DatacenterInputError)
    parentPort!.postMessage({
      ok: false,
      input: { file: error.file, field: error.field, problem: error.problem },
    });
  else
    parentPort!.postMessage({
      ok: false,
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
}
