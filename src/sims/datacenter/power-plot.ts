// `power_plot.png` of a shadow run: measured against predicted (and uncalibrated) power in kW over
// time, drawn with Apache ECharts' server-side SVG renderer and rasterised by resvg: no browser.
import { writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';
import type { PowerSeries } from './accuracy.js';

export interface PowerPlotInput {
  /** W; drawn when given. */
  readonly measured?: PowerSeries | null;
  /** W. */
  readonly predicted: PowerSeries;
  /** W, the run without calibration; drawn when given. */
  readonly uncalibrated?: PowerSeries | null;
  /** Default "Datacenter power: measured vs predicted". */
  readonly title?: string;
  /** A second title line, such as the MAPE. */
  readonly subtitle?: string;
  /** Pixels; default 1600 × 600. */
  readonly width?: number;
  readonly height?: number;
}

/** The colour of each series (lines and legend). */
export const PLOT_COLOURS = {
  measured: '#2ca02c',
  predicted: '#1f77b4',
  uncalibrated: '#ff7f0e',
} as const;

const FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';

function checkSize(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 200 || value > 8000)
    throw new RangeError(`${name} must be a whole number of pixels in 200…8000, not ${value}`);
  return value;
}

/** `[t, kW]` points; non-finite values become gaps. */
function points(name: string, series: PowerSeries): [number, number | null][] {
  if (series.timestamp.length !== series.power.length)
    throw new RangeError(
      `${name}: ${series.timestamp.length} timestamps but ${series.power.length} power values`,
    );
  const out: [number, number | null][] = [];
  for (let i = 0; i < series.timestamp.length; i++) {
    const p = series.power[i];
    out.push([series.timestamp[i], Number.isFinite(p) ? p / 1000 : null]);
  }
  return out;
}

/** The plot as an SVG document. */
export function powerPlotSvg(input: PowerPlotInput): string {
  const width = checkSize('width', input.width ?? 1600);
  const height = checkSize('height', input.height ?? 600);
  const lines: { name: string; colour: string; dashed: boolean; series: PowerSeries }[] = [];
  if (input.measured)
    lines.push({
      name: 'Measured',
      colour: PLOT_COLOURS.measured,
      dashed: false,
      series: input.measured,
    });
  lines.push({
    name: 'Predicted',
    colour: PLOT_COLOURS.predicted,
    dashed: false,
    series: input.predicted,
  });
  if (input.uncalibrated)
    lines.push({
      name: 'Predicted (uncalibrated)',
      colour: PLOT_COLOURS.uncalibrated,
      dashed: true,
      series: input.uncalibrated,
    });

  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({
      animation: false,
      useUTC: true,
      backgroundColor: '#ffffff',
      textStyle: { fontFamily: FONT },
      title: {
        text: input.title ?? 'Datacenter power: measured vs predicted',
        subtext: input.subtitle,
        left: 'center',
        top: 8,
        textStyle: { fontSize: 20, color: '#111111' },
        subtextStyle: { fontSize: 14, color: '#444444' },
      },
      legend: {
        top: input.subtitle ? 64 : 40,
        data: lines.map((l) => l.name),
        textStyle: { fontSize: 14 },
      },
      grid: { left: 80, right: 40, top: input.subtitle ? 100 : 80, bottom: 70 },
      xAxis: {
        type: 'time',
        name: 'Time (UTC)',
        nameLocation: 'middle',
        nameGap: 36,
        nameTextStyle: { fontSize: 14 },
        axisLabel: {
          fontSize: 12,
          hideOverlap: true,
          formatter: {
            year: '{yyyy}',
            month: '{MMM} {yyyy}',
            day: '{MMM} {d}',
            hour: '{HH}:{mm}',
            minute: '{HH}:{mm}',
          },
        },
      },
      yAxis: {
        type: 'value',
        scale: true,
        name: 'Power (kW)',
        nameLocation: 'middle',
        nameGap: 52,
        nameTextStyle: { fontSize: 14 },
        axisLabel: { fontSize: 12 },
      },
      series: lines.map((l) => ({
        name: l.name,
        type: 'line',
        showSymbol: false,
        sampling: 'lttb',
        connectNulls: false,
        color: l.colour,
        lineStyle: { width: 2, color: l.colour, type: l.dashed ? 'dashed' : 'solid' },
        data: points(l.name, l.series),
      })),
    });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** The plot as PNG bytes. Text needs a system font (DejaVu Sans or any sans-serif one). */
export function powerPlotPng(input: PowerPlotInput): Uint8Array {
  const svg = powerPlotSvg(input);
  const image = new Resvg(svg, {
    background: '#ffffff',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  }).render();
  return new Uint8Array(image.asPng());
}

/** Writes the plot to `file` (such as `<out>/power_plot.png`). */
export function writePowerPlot(file: string, input: PowerPlotInput): void {
  writeFileSync(file, powerPlotPng(input));
}
