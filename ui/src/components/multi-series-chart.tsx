// A uPlot chart of several series on one time axis, with an optional predicted mean and its band.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** One line: times in epoch ms, values (null where a bucket is empty). */
export interface ChartLine {
  label: string;
  t: number[];
  values: (number | null)[];
}

/** A predicted series drawn over the actual ones: its mean, and lower..upper as a band. */
export interface ChartPrediction {
  label: string;
  t: number[];
  mean: number[];
  lower?: number[];
  upper?: number[];
}

const COLOURS = ['#2a7de1', '#d9480f', '#2f9e44', '#9c36b5', '#e8590c', '#1098ad'];

/** The number of values that are not null. */
function count(values: readonly (number | null)[]): number {
  return values.reduce<number>((sum, value) => (value === null ? sum : sum + 1), 0);
}

/**
 * Draws the lines and the prediction on one chart; it exposes what it drew as `data-points`
 * (each line's point count, comma-separated), `data-predicted` and `data-band` (point counts).
 */
export function MultiSeriesChart({
  lines,
  prediction,
}: {
  lines: ChartLine[];
  prediction?: ChartPrediction | null;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element || lines.length === 0) return;
    const tables: uPlot.AlignedData[] = lines.map((line) => [
      line.t.map((t) => t / 1000),
      line.values,
    ]);
    const series: uPlot.Series[] = [{}];
    lines.forEach((line, i) =>
      series.push({
        label: line.label,
        stroke: COLOURS[i % COLOURS.length],
        width: 2,
        spanGaps: false,
        points: { show: line.t.length < 200 },
      }),
    );
    const bands: uPlot.Band[] = [];
    if (prediction && prediction.t.length > 0) {
      const seconds = prediction.t.map((t) => t / 1000);
      tables.push([seconds, prediction.mean]);
      series.push({
        label: `${prediction.label} (mean)`,
        stroke: '#495057',
        width: 2,
        dash: [6, 4],
      });
      if (prediction.lower && prediction.upper) {
        tables.push([seconds, prediction.upper, prediction.lower]);
        const upper = series.length;
        series.push({ label: 'upper', stroke: '#adb5bd', width: 1 });
        series.push({ label: 'lower', stroke: '#adb5bd', width: 1 });
        bands.push({ series: [upper, upper + 1], fill: 'rgba(73, 80, 87, 0.15)' });
      }
    }
    const width = Math.max(300, element.clientWidth || 600);
    const plot = new uPlot(
      {
        width,
        height: 280,
        series,
        bands,
        axes: [{ stroke: 'currentColor' }, { stroke: 'currentColor' }],
      },
      uPlot.join(tables),
      element,
    );
    return () => plot.destroy();
  }, [lines, prediction]);
  const band =
    prediction?.lower && prediction.upper
      ? Math.min(prediction.lower.length, prediction.upper.length)
      : 0;
  return (
    <div
      ref={box}
      class="chart"
      data-testid="series-chart"
      data-points={lines.map((line) => count(line.values)).join(',')}
      data-predicted={prediction ? prediction.mean.length : 0}
      data-band={band}
      role="img"
      aria-label={`${lines.map((line) => line.label).join(', ')} over time`}
    />
  );
}
