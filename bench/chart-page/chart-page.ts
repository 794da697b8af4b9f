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

/** Milliseconds from handing the data over to the chart painted. */
async function component(count: number): Promise<number> {
  const { times, values } = readings(count);
  const box = freshBox();
  const t0 = performance.now();
  render(h(SeriesChart, { label: '/features/t/properties/value', times, values }), box);
  await painted();
  const elapsed = performance.now() - t0;
  if (!box.querySelector('canvas')) throw new Error('SeriesChart drew no canvas');
  render(null, box);
  return elapsed;
}

/** The reference: uPlot with its defaults' line and the same size, no component around it. */
async function bare(count: number): Promise<number> {
  const { times, values } = readings(count);
  const box = freshBox();
  const t0 = performance.now();
  const plot = new uPlot(
    { width: 1200, height: 240, series: [{}, { stroke: '#2a7de1', width: 2 }] },
    [times, values],
    box,
  );
  await painted();
  const elapsed = performance.now() - t0;
  plot.destroy();
  return elapsed;
}

/** uPlot's own work for the same chart: construction and its deferred draw, no frame waited for. */
async function drawOnly(count: number): Promise<number> {
  const { times, values } = readings(count);
  const box = freshBox();
  const t0 = performance.now();
  const plot = new uPlot(
    { width: 1200, height: 240, series: [{}, { stroke: '#2a7de1', width: 2 }] },
    [times, values],
    box,
  );
  // uPlot commits its draw in a microtask.
  await new Promise<void>((resolve) => queueMicrotask(resolve));
  await Promise.resolve();
  const elapsed = performance.now() - t0;
  plot.destroy();
  return elapsed;
}

(window as unknown as { chartBench: unknown }).chartBench = { component, bare, drawOnly };
