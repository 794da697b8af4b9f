// The page `bench/dashboard.ts` times charts on: the dashboard's SeriesChart, and uPlot alone on the same data.
import { h, render } from 'preact';
import uPlot from 'uplot';
import { SeriesChart } from '../../ui/src/components/series-chart.js';

/** A day of readings every ~0.86 s: a slow wave with noise (what a sensor twin records). */
function readings(count: number): { times: number[]; values: number[] } {
  const times = new Array<number>(count);
  const values = new Array<number>(count);
  const start = Date.UTC(2026, 0, 1) / 1000;
  let seed = 42;
  for (let i = 0; i < count; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    times[i] = start + (i * 86_400) / count;
    values[i] = 20 + 5 * Math.sin(i / (count / 12)) + (seed / 2147483648 - 0.5);
  }
  return { times, values };
}

/** Until the browser has painted what was drawn (two animation frames: the figure is frame-bound). */
const painted = () =>
  new Promise<void>((resolve) =>
    requestAnimationFrame(() => requestAnimationFrame(() => resolve())),
  );

function freshBox(): HTMLElement {
  document.body.replaceChildren();
  const box = document.createElement('div');
  box.style.width = '1200px';
  document.body.append(box);
  return box;
}

/** Milliseconds from handing the data over to uPlot's draw done, and to the chart painted. */
interface Timing {
  drawn: number;
  painted: number;
}

async function component(count: number): Promise<Timing> {
  const { times, values } = readings(count);
  const box = freshBox();
  let drawnAt = 0;
  const t0 = performance.now();
  render(
    h(SeriesChart, {
      label: '/features/t/properties/value',
      times,
      values,
      onDraw: () => (drawnAt ||= performance.now()),
    }),
    box,
  );
  await painted();
  while (!drawnAt) await painted();
  const elapsed = { drawn: drawnAt - t0, painted: performance.now() - t0 };
  render(null, box);
  return elapsed;
}

/** The reference: uPlot alone with the same size and line, no component around it. */
async function bare(count: number): Promise<Timing> {
  const { times, values } = readings(count);
  const box = freshBox();
  let drawnAt = 0;
  const t0 = performance.now();
  const plot = new uPlot(
    {
      width: 1200,
      height: 240,
      series: [{}, { stroke: '#2a7de1', width: 2 }],
      hooks: { draw: [() => (drawnAt ||= performance.now())] },
    },
    [times, values],
    box,
  );
  await painted();
  while (!drawnAt) await painted();
  const elapsed = { drawn: drawnAt - t0, painted: performance.now() - t0 };
  plot.destroy();
  return elapsed;
}

(window as unknown as { chartBench: unknown }).chartBench = { component, bare };
