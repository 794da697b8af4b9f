// A heat map of values 0..1 on a canvas: one row per item (a host), one column per time step.
import { useEffect, useRef, useState } from 'preact/hooks';
import { heatColour, HEAT_STOPS } from './heat-colour.js';

const GRADIENT = `linear-gradient(to right, ${HEAT_STOPS.map(([r, g, b]) => `rgb(${r},${g},${b})`).join(', ')})`;

/**
 * Draws `values[row][column]` (null: not known, left transparent) scaled to the canvas, and
 * exposes what it drew as `data-rows`, `data-columns` and `data-cells` (cells with a value).
 */
export function HeatMap({
  values,
  label,
  rowNames,
  columnName,
  height = 320,
}: {
  values: (number | null)[][];
  /** What the map shows, for screen readers. */
  label: string;
  /** What each row is (a host's twin), shown under the map for the cell the pointer is on. */
  rowNames?: readonly string[];
  /** What each column is (a time step). */
  columnName?: (column: number) => string;
  height?: number;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [pointed, setPointed] = useState<{ row: number; column: number } | null>(null);
  const rows = values.length;
  const columns = values.reduce((most, row) => Math.max(most, row.length), 0);
  let cells = 0;
  for (const row of values) for (const value of row) if (typeof value === 'number') cells++;

  useEffect(() => {
    const element = canvas.current;
    if (!element) return;
    const width = Math.max(300, element.parentElement?.clientWidth ?? 600);
    element.width = width;
    element.height = height;
    const context = element.getContext('2d');
    if (!context) return;
    context.clearRect(0, 0, width, height);
    if (rows === 0 || columns === 0) return;
    // One pixel per cell, then scaled up without smoothing: sharp cells at any size.
    const small = document.createElement('canvas');
    small.width = columns;
    small.height = rows;
    const smallContext = small.getContext('2d');
    if (!smallContext) return;
    const image = smallContext.createImageData(columns, rows);
    values.forEach((row, y) =>
      row.forEach((value, x) => {
        if (typeof value !== 'number') return;
        const [r, g, b] = heatColour(value);
        const at = (y * columns + x) * 4;
        image.data[at] = r;
        image.data[at + 1] = g;
        image.data[at + 2] = b;
        image.data[at + 3] = 255;
      }),
    );
    smallContext.putImageData(image, 0, 0);
    context.imageSmoothingEnabled = false;
    context.drawImage(small, 0, 0, width, height);
  }, [values, height]);

  const point = (event: MouseEvent) => {
    const element = canvas.current;
    if (!element || rows === 0 || columns === 0) return;
    const box = element.getBoundingClientRect();
    const column = Math.floor(((event.clientX - box.left) / box.width) * columns);
    const row = Math.floor(((event.clientY - box.top) / box.height) * rows);
    setPointed(row >= 0 && row < rows && column >= 0 && column < columns ? { row, column } : null);
  };
  const value = pointed ? values[pointed.row]?.[pointed.column] : undefined;

  return (
    <figure class="heat-map">
      <canvas
        ref={canvas}
        onMouseMove={point}
        onMouseLeave={() => setPointed(null)}
        data-testid="heat-map"
        data-rows={rows}
        data-columns={columns}
        data-cells={cells}
        role="img"
        aria-label={label}
      />
      <figcaption class="heat-legend">
        <span>0 %</span>
        <span class="heat-scale" style={{ background: GRADIENT }} aria-hidden="true" />
        <span>100 %</span>
        {pointed && (
          <span data-testid="heat-map-cell">
            {rowNames?.[pointed.row] ?? `row ${pointed.row + 1}`},{' '}
            {columnName ? columnName(pointed.column) : `column ${pointed.column + 1}`}:{' '}
            {typeof value === 'number' ? `${(value * 100).toFixed(1)} %` : 'unknown'}
          </span>
        )}
      </figcaption>
    </figure>
  );
}
