// Windowing for long lists and tables: only the rows in view (and a few around them) are in the DOM.
import type { ComponentChildren, JSX, Ref } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { TableBox } from './table-box.js';

/** Lists up to this long are rendered whole (nothing to gain, and nothing moves). */
export const WINDOW_THRESHOLD = 40;
/** Rows rendered beyond each edge of the view, so that Tab and small scrolls find a row. */
const OVERSCAN = 12;

export interface RowWindow {
  /** Whether the list is long enough to be windowed. */
  windowed: boolean;
  /** The rows to render: `first` up to (not including) `last`. */
  first: number;
  last: number;
  /** Heights (px) standing in for the rows before and after the window. */
  before: number;
  after: number;
  /** The scrolling box. */
  viewport: Ref<HTMLDivElement>;
  /** The element whose children are the rows (and the two spacers). */
  body: Ref<HTMLElement>;
  onScroll: () => void;
}

/**
 * The window of `count` rows that a scrolling box shows. Row heights start from `estimate` and
 * follow the rows as rendered (their average), so rows need not all be the same height.
 *
 * @example const rows = useRowWindow(items.length, 32); items.slice(rows.first, rows.last)
 */
export function useRowWindow(count: number, estimate: number, resetKey?: unknown): RowWindow {
  const viewport = useRef<HTMLDivElement>(null);
  const body = useRef<HTMLElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(800);
  const [rowHeight, setRowHeight] = useState(estimate);
  const frame = useRef(0);
  const windowed = count > WINDOW_THRESHOLD;
  const last = windowed
    ? Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN)
    : count;
  const first = windowed
    ? Math.max(0, Math.min(Math.floor(scrollTop / rowHeight) - OVERSCAN, last - 1))
    : 0;
  const before = first * rowHeight;
  const after = (count - last) * rowHeight;

  // Another list (the next page): back to its top.
  const shown = useRef(resetKey);
  useLayoutEffect(() => {
    if (shown.current === resetKey) return;
    shown.current = resetKey;
    if (viewport.current) viewport.current.scrollTop = 0;
    setScrollTop(0);
  }, [resetKey]);

  useLayoutEffect(() => {
    const box = viewport.current;
    const rows = body.current;
    if (!windowed || !box || !rows || last <= first) return;
    if (box.clientHeight > 0 && box.clientHeight !== height) setHeight(box.clientHeight);
    const measured = (rows.getBoundingClientRect().height - before - after) / (last - first);
    if (measured > 0 && Math.abs(measured - rowHeight) > 0.5) setRowHeight(measured);
  });

  const onScroll = () => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      if (viewport.current) setScrollTop(viewport.current.scrollTop);
    });
  };
  return { windowed, first, last, before, after, viewport, body, onScroll };
}

/**
 * The scrolling box of a list: a labelled region that takes focus (so arrow keys and Page Down
 * scroll it), of a bounded height when the list is windowed.
 */
export function RowViewport({
  rows,
  label,
  children,
  testId,
}: {
  rows: RowWindow;
  label: string;
  children: ComponentChildren;
  testId?: string;
}) {
  return rows.windowed ? (
    <div
      class="row-viewport"
      ref={rows.viewport}
      onScroll={rows.onScroll}
      tabIndex={0}
      role="region"
      aria-label={label}
      data-testid={testId}
    >
      {children}
    </div>
  ) : (
    <TableBox label={label} testId={testId}>
      {children}
    </TableBox>
  );
}

/** The table row standing in for rows out of view. */
export function SpacerRow({ height, columns }: { height: number; columns: number }) {
  if (height <= 0) return null;
  return (
    <tr class="spacer" aria-hidden="true" style={{ height: `${height}px` }}>
      <td colSpan={columns} />
    </tr>
  );
}

/** The list item standing in for items out of view. */
export function SpacerItem({ height }: { height: number }) {
  if (height <= 0) return null;
  return <li class="spacer" aria-hidden="true" style={{ height: `${height}px` }} />;
}

/**
 * A table body that renders only the rows in view of its {@link RowViewport}.
 *
 * @example <VirtualBody rows={rows} items={events} columns={6} row={(e) => <tr key={e.id}>…</tr>} />
 */
export function VirtualBody<T>({
  rows,
  items,
  columns,
  row,
}: {
  rows: RowWindow;
  items: T[];
  columns: number;
  row: (item: T, index: number) => JSX.Element;
}) {
  return (
    <tbody ref={rows.body as Ref<HTMLTableSectionElement>}>
      <SpacerRow height={rows.before} columns={columns} />
      {items.slice(rows.first, rows.last).map((item, i) => row(item, rows.first + i))}
      <SpacerRow height={rows.after} columns={columns} />
    </tbody>
  );
}
