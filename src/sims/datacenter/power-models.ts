// A host's power draw at a CPU utilisation, by OpenDC's power models (`cpuPowerModel.modelType`).
import type { PowerModel } from './model.js';

/**
 * Watts a host draws at utilisation `u` (0…1). As in OpenDC, every model but `asymptotic` clamps
 * `u` to 0…1 first; `asymptotic` takes it as given (the simulator never passes more than 1).
 *
 * @example powerAt({ kind: 'linear', idlePower: 100, maxPower: 200 }, 0.5) // 150
 */
export function powerAt(model: PowerModel, u: number): number {
  switch (model.kind) {
    case 'constant':
      return model.power;
    case 'asymptotic': {
      const span = model.maxPower - model.idlePower;
      const x = model.dvfs ? u * u * u : u;
      return model.idlePower + (span / 2) * (1 + x - Math.exp(-x / model.asymUtil));
    }
    default: {
      const c = u < 0 ? 0 : u > 1 ? 1 : u;
      const span = model.maxPower - model.idlePower;
      switch (model.kind) {
        case 'linear':
          return model.idlePower + span * c;
        case 'square':
          return model.idlePower + span * c * c;
        case 'cubic':
          return model.idlePower + span * c * c * c;
        case 'sqrt':
          return model.idlePower + span * Math.sqrt(c);
        case 'mse':
          return model.idlePower + span * (2 * c - Math.pow(c, model.calibrationFactor));
      }
    }
  }
}
