// A uPlot line chart of one numeric property over time.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export function SeriesChart({
  label,
  times,
  values,
  onDraw,
}: {
  label: string;
  times: number[];
  values: number[];
  /** Told each time uPlot has drawn the chart (benchmarks time it). */
  onDraw?: () => void;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const width = Math.max(300, element.clientWidth || 600);
    const plot = new uPlot(
      {
        width,
        height: 240,
        series: [{}, { label, stroke: '#2a7de1', width: 2, points: { show: times.length < 200 } }],
        axes: [{ stroke: 'currentColor' }, { stroke: 'currentColor' }],
        hooks: onDraw ? { draw: [() => onDraw()] } : {},
      },
      [times, values],
      element,
    );
    return () => plot.destroy();
  }, [label, times, values]);
  return (
    <div ref={box} class="chart" data-testid="chart" role="img" aria-label={`${label} over time`} />
  );
}
