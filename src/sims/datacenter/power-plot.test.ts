import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, test } from 'vitest';
import { PLOT_COLOURS, powerPlotPng, powerPlotSvg, writePowerPlot } from './power-plot.js';

const dir = mkdtempSync(join(tmpdir(), 'power-plot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const START = Date.UTC(2022, 9, 6, 22);

/** A day of 150 s exports around 20 kW. */
function day(shift: number, scale = 1): { timestamp: number[]; power: number[] } {
  const timestamp: number[] = [];
  const power: number[] = [];
  for (let i = 1; i <= 576; i++) {
    timestamp.push(START + i * 150_000);
    power.push(scale * (20_000 + 4_000 * Math.sin(i / 40 + shift)));
  }
  return { timestamp, power };
}

function rgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

/** How many pixels are within `tolerance` of the colour on every channel. */
function count(png: PNG, colour: string, tolerance = 6, rows?: [number, number]): number {
  const [r, g, b] = rgb(colour);
  const [from, to] = rows ?? [0, png.height];
  let n = 0;
  for (let y = from; y < to; y++)
    for (let x = 0; x < png.width; x++) {
      const at = (y * png.width + x) * 4;
      const d = png.data;
      if (
        Math.abs(d[at] - r) <= tolerance &&
        Math.abs(d[at + 1] - g) <= tolerance &&
        Math.abs(d[at + 2] - b) <= tolerance
      )
        n++;
    }
  return n;
}

function distinctColours(png: PNG): number {
  const seen = new Set<number>();
  for (let i = 0; i < png.data.length; i += 4)
    seen.add((png.data[i] << 16) | (png.data[i + 1] << 8) | png.data[i + 2]);
  return seen.size;
}

describe('power plot', () => {
  test('is a PNG of the asked size with every series, a title and labels drawn', () => {
    const file = join(dir, 'power_plot.png');
    writePowerPlot(file, {
      measured: day(0),
      predicted: day(0.3),
      uncalibrated: day(0.3, 1.1),
      subtitle: 'MAPE 4.0 % (uncalibrated 5.3 %)',
      width: 1200,
      height: 500,
    });
    const bytes = readFileSync(file);
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    const png = PNG.sync.read(bytes);
    expect([png.width, png.height]).toEqual([1200, 500]);
    expect(distinctColours(png)).toBeGreaterThan(100);
    for (const colour of Object.values(PLOT_COLOURS))
      expect(count(png, colour)).toBeGreaterThan(500);
    // Dark title text in the top band: a font was found and used.
    expect(count(png, '#111111', 40, [0, 40])).toBeGreaterThan(200);
  });

  test('without a measurement or an uncalibrated run, only the predicted line is drawn', () => {
    const png = PNG.sync.read(
      Buffer.from(powerPlotPng({ predicted: day(0), width: 800, height: 400 })),
    );
    expect([png.width, png.height]).toEqual([800, 400]);
    expect(count(png, PLOT_COLOURS.predicted)).toBeGreaterThan(300);
    expect(count(png, PLOT_COLOURS.measured)).toBe(0);
    expect(count(png, PLOT_COLOURS.uncalibrated)).toBe(0);
  });

  test('the SVG has the title, the axis names in kW and the legend', () => {
    const svg = powerPlotSvg({ measured: day(0), predicted: day(0.3), title: 'SURF week' });
    for (const text of ['SURF week', 'Time (UTC)', 'Power (kW)', 'Measured', 'Predicted'])
      expect(svg).toContain(text);
    // Values are plotted in kW: the y axis labels are tens, not tens of thousands.
    expect(svg).not.toMatch(/>2[0-9],?000</);
  });

  test('bad sizes and mismatched series are refused', () => {
    expect(() => powerPlotSvg({ predicted: day(0), width: 10 })).toThrow(/width must be/);
    expect(() => powerPlotSvg({ predicted: { timestamp: [1, 2], power: [1] } })).toThrow(
      /Predicted: 2 timestamps but 1 power values/,
    );
  });
});
