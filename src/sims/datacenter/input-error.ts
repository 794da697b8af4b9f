// A datacenter input (topology, workload, measured power, carbon trace, experiment config) that
// cannot be used, said as `<file>: <field>: <problem>` so a user knows where to look.

export class DatacenterInputError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${file}: ${field}: ${problem}`);
    this.name = 'DatacenterInputError';
  }
}
