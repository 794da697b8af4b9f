import { describe, expect, it } from 'vitest';
import { createWindow, WINDOW_OPS, type WindowOp, type WindowSpec } from './windows.js';

function spec(op: WindowOp, over: Partial<WindowSpec> = {}): WindowSpec {
  return {
    of: 'features/p/properties/w',
    op,
    span: null,
    samples: null,
    lateness: 0,
    halfLife: null,
    ...over,
  };
}

/** Feeds `[seconds, value]` samples; returns the output after each. */
function feed(window: WindowSpec, samples: [number, number][]): (number | null)[] {
  const operator = createWindow(window);
  return samples.map(([seconds, value]) => {
    operator.add(seconds * 1000, value);
    return operator.value();
  });
}

const SERIES: [number, number][] = [
  [0, 10],
  [60, 20],
  [120, 30],
  [240, 5],
  [400, 50],
];

describe('windows over a duration', () => {
  const fiveMinutes = { span: 300_000 };

  it('avg, sum and count take the samples in (latest − 5m, latest]', () => {
    expect(feed(spec('avg', fiveMinutes), SERIES)).toEqual([10, 15, 20, 16.25, 85 / 3]);
    expect(feed(spec('sum', fiveMinutes), SERIES)).toEqual([10, 30, 60, 65, 85]);
    expect(feed(spec('count', fiveMinutes), SERIES)).toEqual([1, 2, 3, 4, 3]);
  });

  it('min and max forget the extremes that left the window', () => {
    expect(feed(spec('min', fiveMinutes), SERIES)).toEqual([10, 10, 10, 5, 5]);
    expect(feed(spec('max', fiveMinutes), SERIES)).toEqual([10, 20, 30, 30, 50]);
    expect(feed(spec('max', { span: 100_000 }), SERIES)).toEqual([10, 20, 30, 5, 50]);
  });

  it('a sample exactly one window older than the latest has left', () => {
    expect(
      feed(spec('count', { span: 60_000 }), [
        [0, 1],
        [60, 2],
      ]),
    ).toEqual([1, 1]);
  });

  it('rate is (last − first) per second, none under two samples', () => {
    expect(feed(spec('rate', fiveMinutes), SERIES)).toEqual([
      null,
      10 / 60,
      20 / 120,
      -5 / 240,
      20 / 280,
    ]);
    expect(
      feed(spec('rate', fiveMinutes), [
        [5, 1],
        [5, 3],
      ]),
    ).toEqual([null, null]);
  });

  it('integral is trapezoidal over irregular samples, in seconds (J from W)', () => {
    // 100 W for 10 s, ramp to 200 W over 5 s, 200 W for 45 s.
    const samples: [number, number][] = [
      [0, 100],
      [10, 100],
      [15, 200],
      [60, 200],
    ];
    expect(feed(spec('integral', { span: 3_600_000 }), samples)).toEqual([0, 1000, 1750, 10750]);
    // Over 50 s only the samples at 15 s and 60 s remain at the end.
    expect(feed(spec('integral', { span: 50_000 }), samples)).toEqual([0, 1000, 1750, 9000]);
    expect(feed(spec('integral', { span: 20_000 }), samples)).toEqual([0, 1000, 1750, 0]);
  });
});

describe('windows over a count', () => {
  it('take the last n samples', () => {
    expect(feed(spec('avg', { samples: 2 }), SERIES)).toEqual([10, 15, 25, 17.5, 27.5]);
    expect(feed(spec('min', { samples: 2 }), SERIES)).toEqual([10, 10, 20, 5, 5]);
    expect(feed(spec('max', { samples: 3 }), SERIES)).toEqual([10, 20, 30, 30, 50]);
    expect(feed(spec('count', { samples: 3 }), SERIES)).toEqual([1, 2, 3, 3, 3]);
    expect(feed(spec('rate', { samples: 2 }), SERIES)).toEqual([
      null,
      10 / 60,
      10 / 60,
      -25 / 120,
      45 / 160,
    ]);
  });
});

describe('ewma', () => {
  it('weighs a sample Δt after the last by 1 − 2^(−Δt/halfLife); the first initialises', () => {
    const out = feed(spec('ewma', { halfLife: 60_000 }), [
      [0, 100],
      [60, 200],
      [180, 0],
      [181, 0],
    ]);
    expect(out[0]).toBe(100);
    expect(out[1]).toBeCloseTo(150, 10);
    expect(out[2]).toBeCloseTo(150 * 0.25, 10);
    expect(out[3]).toBeCloseTo(37.5 * Math.pow(2, -1 / 60), 10);
  });
});

describe('late samples', () => {
  it('within the lateness are inserted in time order and the output recomputed', () => {
    const integral = createWindow(spec('integral', { span: 3_600_000, lateness: 30_000 }));
    expect(integral.add(0, 100)).toBe(true);
    expect(integral.add(20_000, 100)).toBe(true);
    expect(integral.value()).toBe(2000);
    // A 300 W sample at 10 s: two trapezoids of 10 s at (100 + 300) / 2.
    expect(integral.add(10_000, 300)).toBe(true);
    expect(integral.value()).toBe(4000);

    const min = createWindow(spec('min', { span: 60_000, lateness: 30_000 }));
    min.add(0, 5);
    min.add(30_000, 7);
    min.add(40_000, 9);
    expect(min.add(35_000, 6)).toBe(true);
    expect(min.value()).toBe(5);
    min.add(61_000, 10); // the 5 at 0 s leaves; the late 6 is now the minimum
    expect(min.value()).toBe(6);

    const rate = createWindow(spec('rate', { samples: 3, lateness: 60_000 }));
    rate.add(10_000, 10);
    rate.add(20_000, 20);
    rate.add(0, 0); // before the first: the rate now starts there
    expect(rate.value()).toBe(1);
  });

  it('later than the lateness are not applied', () => {
    const sum = createWindow(spec('sum', { span: 3_600_000, lateness: 30_000 }));
    sum.add(100_000, 1);
    expect(sum.add(69_999, 5)).toBe(false);
    expect(sum.add(70_000, 2)).toBe(true);
    expect(sum.value()).toBe(3);
    const strict = createWindow(spec('ewma', { halfLife: 1000 }));
    strict.add(1000, 1);
    expect(strict.add(999, 2)).toBe(false);
    expect(strict.value()).toBe(1);
  });

  it('ewma replays samples within the lateness when a late one comes between them', () => {
    const ewma = createWindow(spec('ewma', { halfLife: 60_000, lateness: 120_000 }));
    ewma.add(0, 100);
    ewma.add(120_000, 0);
    ewma.add(60_000, 200); // in order: 100, 200 at 60 s (→ 150), 0 at 120 s (→ 75)
    expect(ewma.value()).toBeCloseTo(75, 10);
  });
});

/** The outputs computed from scratch over every applied sample, as the definitions say. */
function reference(window: WindowSpec, applied: { time: number; value: number }[]): number | null {
  const latest = Math.max(...applied.map((s) => s.time));
  const inWindow =
    window.span !== null
      ? applied.filter((s) => s.time > latest - (window.span ?? 0))
      : applied.slice(-(window.samples ?? 0));
  const values = inWindow.map((s) => s.value);
  switch (window.op) {
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'avg':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'count':
      return values.length;
    case 'min':
      return Math.min(...values);
    case 'max':
      return Math.max(...values);
    case 'rate': {
      if (inWindow.length < 2) return null;
      const first = inWindow[0];
      const last = inWindow[inWindow.length - 1];
      return last.time === first.time
        ? null
        : (last.value - first.value) / ((last.time - first.time) / 1000);
    }
    case 'integral': {
      let sum = 0;
      for (let i = 1; i < inWindow.length; i++) {
        const [a, b] = [inWindow[i - 1], inWindow[i]];
        sum += ((a.value + b.value) / 2) * ((b.time - a.time) / 1000);
      }
      return sum;
    }
    case 'ewma': {
      let state: { value: number; time: number } | null = null;
      for (const s of applied) {
        state =
          state === null
            ? { value: s.value, time: s.time }
            : {
                value:
                  state.value +
                  (1 - Math.pow(2, -(s.time - state.time) / (window.halfLife ?? 1))) *
                    (s.value - state.value),
                time: s.time,
              };
      }
      return state?.value ?? null;
    }
  }
}

describe('windows agree with a from-scratch computation', () => {
  it('on 1200 jittered samples, some late, for every operator and window kind', () => {
    let seed = 42;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (const op of WINDOW_OPS) {
      const kinds: Partial<WindowSpec>[] =
        op === 'ewma' ? [{ halfLife: 30_000 }] : [{ span: 60_000 }, { samples: 25 }];
      for (const kind of kinds) {
        const window = spec(op, { ...kind, lateness: 5_000 });
        const operator = createWindow(window);
        const applied: { time: number; value: number; seq: number }[] = [];
        let clock = 0;
        let latest = -Infinity;
        for (let i = 0; i < 1200; i++) {
          clock += Math.floor(random() * 2000);
          const time = clock - (random() < 0.2 ? Math.floor(random() * 8000) : 0);
          const value = Math.round(random() * 1000) / 10;
          const accepted = operator.add(time, value);
          expect(accepted, `${op} sample ${i}`).toBe(!(time < latest && latest - time > 5000));
          if (!accepted) continue;
          latest = Math.max(latest, time);
          applied.push({ time, value, seq: i });
          applied.sort((a, b) => a.time - b.time || a.seq - b.seq);
          const expected = reference(window, applied);
          const actual = operator.value();
          if (expected === null) expect(actual, `${op} sample ${i}`).toBeNull();
          else expect(actual, `${op} ${JSON.stringify(kind)} sample ${i}`).toBeCloseTo(expected, 6);
        }
      }
    }
  });
});

describe('windows covering their past', () => {
  it('once a window fed from a cut covers it, its outputs are those of the window fed throughout', () => {
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (const op of WINDOW_OPS) {
      const kinds: Partial<WindowSpec>[] =
        op === 'ewma' ? [{ halfLife: 500 }] : [{ span: 30_000 }, { samples: 12 }];
      for (const kind of kinds) {
        const window = spec(op, { ...kind, lateness: 3_000 });
        const samples: [number, number][] = [];
        let clock = 0;
        for (let i = 0; i < 600; i++) {
          clock += Math.floor(random() * 2000);
          const time = clock - (random() < 0.2 ? Math.floor(random() * 6000) : 0);
          samples.push([time, Math.round(random() * 1000) / 10]);
        }
        const whole = createWindow(window);
        const outputs = samples.map(([time, value]) => (whole.add(time, value), whole.value()));
        let latest = -Infinity;
        let checked = 0;
        for (let cut = 50; cut < 500; cut += 37) {
          // A cut at a sample the whole window took: no earlier sample is later than it plus the
          // lateness (what `covers` assumes).
          latest = Math.max(latest, ...samples.slice(0, cut).map(([time]) => time));
          const since = samples[cut][0];
          if (since < latest - 3_000) continue;
          const rebuilt = createWindow(window);
          expect(rebuilt.covers(since), `${op} empty`).toBe(false);
          let i = cut;
          while (i < samples.length && !rebuilt.covers(since)) {
            rebuilt.add(...samples[i]);
            i++;
          }
          expect(i, `${op} ${JSON.stringify(kind)} covers after the cut at ${cut}`).toBeLessThan(
            cut + 80,
          );
          for (; i < Math.min(samples.length, cut + 120); i++) {
            rebuilt.add(...samples[i]);
            const expected = outputs[i];
            if (expected === null) expect(rebuilt.value()).toBeNull();
            else
              expect(rebuilt.value(), `${op} ${JSON.stringify(kind)} ${i}`).toBeCloseTo(
                expected,
                9,
              );
          }
          checked++;
        }
        expect(checked, `${op} ${JSON.stringify(kind)}`).toBeGreaterThan(5);
      }
    }
  });
});
