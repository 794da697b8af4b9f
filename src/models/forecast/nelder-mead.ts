// Nelder–Mead minimisation of a function of a few unbounded parameters.

/** Minimises `f` from `start`; returns the best point found within `maxEvaluations`. */
export function nelderMead(
  f: (x: number[]) => number,
  start: number[],
  options: { step?: number; maxEvaluations?: number; tolerance?: number } = {},
): { x: number[]; value: number } {
  const { step = 1, maxEvaluations = 400, tolerance = 1e-10 } = options;
  const d = start.length;
  let simplex = [start.slice()];
  for (let i = 0; i < d; i++) {
    const p = start.slice();
    p[i] += step;
    simplex.push(p);
  }
  let values = simplex.map(f);
  let evaluations = simplex.length;
  const combine = (a: number[], b: number[], t: number) => a.map((ai, i) => ai + t * (b[i] - ai));
  while (evaluations < maxEvaluations) {
    const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
    simplex = order.map((i) => simplex[i]);
    values = order.map((i) => values[i]);
    if (Math.abs(values[d] - values[0]) <= tolerance * (Math.abs(values[0]) + tolerance)) break;
    const centroid = new Array<number>(d).fill(0);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) centroid[j] += simplex[i][j] / d;
    const worst = simplex[d];
    const reflected = combine(centroid, worst, -1);
    const fr = f(reflected);
    evaluations++;
    if (fr < values[0]) {
      const expanded = combine(centroid, worst, -2);
      const fe = f(expanded);
      evaluations++;
      [simplex[d], values[d]] = fe < fr ? [expanded, fe] : [reflected, fr];
    } else if (fr < values[d - 1]) {
      [simplex[d], values[d]] = [reflected, fr];
    } else {
      const contracted =
        fr < values[d] ? combine(centroid, worst, -0.5) : combine(centroid, worst, 0.5);
      const fc = f(contracted);
      evaluations++;
      if (fc < Math.min(fr, values[d])) {
        [simplex[d], values[d]] = [contracted, fc];
      } else {
        for (let i = 1; i <= d; i++) {
          simplex[i] = combine(simplex[0], simplex[i], 0.5);
          values[i] = f(simplex[i]);
          evaluations++;
        }
      }
    }
  }
  const best = values.indexOf(Math.min(...values));
  return { x: simplex[best], value: values[best] };
}
