// One simulation from files: a workload directory, a topology JSON and an optional carbon trace.
import { withCarbon, readCarbonTrace } from './carbon.js';
import type { SimulationResult } from './model.js';
import { simulate } from './simulator.js';
import { readTopology } from './topology.js';
import { readWorkload } from './workload.js';

export interface SimulationRequest {
  readonly workloadDir: string;
  readonly topologyPath: string;
  /** ms; default 150 s. */
  readonly exportIntervalMs?: number;
  readonly carbonPath?: string;
}

/** Reads the inputs of `request` and simulates; throws `DatacenterInputError` on bad input. */
export async function runSimulation(request: SimulationRequest): Promise<SimulationResult> {
  const topology = readTopology(request.topologyPath);
  const [workload, carbon] = await Promise.all([
    readWorkload(request.workloadDir),
    request.carbonPath === undefined ? undefined : readCarbonTrace(request.carbonPath),
  ]);
  const result = simulate(topology, workload, { exportIntervalMs: request.exportIntervalMs });
  return carbon === undefined ? result : withCarbon(result, carbon);
}
