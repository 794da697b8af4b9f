// A thing's JSON as a tree of keys, one row per key (windowed when long); leaves can be edited in place when an `onEdit` is given.
import type { Ref } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { pointerOf, type Json } from '../api/thing-events.js';
import { RowViewport, SpacerItem, useRowWindow } from './virtual-rows.js';

export interface TreeProps {
  value: Json;
  /** Starts editing the leaf at a pointer; absent for a read-only tree (time travel). */
  onEdit?: (path: string) => void;
  /** Leaves whose value is numeric can be charted. */
  onChart?: (path: string) => void;
  /** The name of the tree's scrolling box (default "Values"). */
  label?: string;
  /**
   * Values the twin's type computes, by pointer (`/features/power/properties/kw`), with their kind
   * (`derived`, `window`, `roll-up`): marked, and not offered for editing (the API refuses it).
   */
  computed?: ReadonlyMap<string, string>;
}

/** One key of the tree as a row: how deep it is, and what it holds. */
interface TreeRow {
  path: string;
  key: string;
  depth: number;
  value: Json;
  /** An object or array with entries: it can be folded. */
  branch: boolean;
  /** An array's element: shown, not edited one by one (Ditto addresses whole arrays). */
  element: boolean;
}

function entriesOf(value: Json): [string, Json][] {
  if (value === null || typeof value !== 'object') return [];
  return Array.isArray(value)
    ? value.map((item, i) => [String(i), item] as [string, Json])
    : Object.entries(value);
}

/** The rows of the tree in display order, leaving out what is under a folded key. */
function rowsOf(root: Json, folded: Set<string>): TreeRow[] {
  const rows: TreeRow[] = [];
  const walk = (value: Json, keys: string[], element: boolean) => {
    for (const [key, child] of entriesOf(value)) {
      const path = pointerOf([...keys, key]);
      const branch = !element && entriesOf(child).length > 0;
      rows.push({ path, key, depth: keys.length, value: child, branch, element });
      if (branch && !folded.has(path)) walk(child, [...keys, key], Array.isArray(child));
    }
  };
  walk(root, [], false);
  return rows;
}

function Leaf({
  value,
  path,
  onEdit,
  onChart,
  computed,
}: { value: Json; path: string } & Pick<TreeProps, 'onEdit' | 'onChart' | 'computed'>) {
  const kind = computed?.get(path);
  return (
    <span class="leaf">
      <code class={`value type-${value === null ? 'null' : typeof value}`} data-path={path}>
        {JSON.stringify(value)}
      </code>
      {kind && (
        <span
          class="badge"
          data-testid="computed-mark"
          title={`Computed by the twin's type (${kind})`}
        >
          {kind}
        </span>
      )}
      {onEdit && !kind && (
        <button
          type="button"
          class="small"
          aria-label={`Edit ${path}`}
          onClick={() => onEdit(path)}
        >
          edit
        </button>
      )}
      {onChart && typeof value === 'number' && (
        <button
          type="button"
          class="small"
          aria-label={`Chart ${path}`}
          onClick={() => onChart(path)}
        >
          chart
        </button>
      )}
    </span>
  );
}

function What({
  row,
  onEdit,
  onChart,
  computed,
}: { row: TreeRow } & Pick<TreeProps, 'onEdit' | 'onChart' | 'computed'>) {
  if (row.branch) return null;
  if (row.element) return <code>{JSON.stringify(row.value)}</code>;
  if (row.value !== null && typeof row.value === 'object')
    return <code>{Array.isArray(row.value) ? '[]' : '{}'}</code>;
  return (
    <Leaf value={row.value} path={row.path} onEdit={onEdit} onChart={onChart} computed={computed} />
  );
}

export function ValueTree({ value, onEdit, onChart, label = 'Values', computed }: TreeProps) {
  const [folded, setFolded] = useState<Set<string>>(() => new Set());
  const rows = useMemo(() => rowsOf(value, folded), [value, folded]);
  const rowWindow = useRowWindow(rows.length, 28);
  if (rows.length === 0) return <code>{Array.isArray(value) ? '[]' : '{}'}</code>;
  const toggle = (path: string) => {
    const next = new Set(folded);
    if (!next.delete(path)) next.add(path);
    setFolded(next);
  };
  return (
    <RowViewport rows={rowWindow} label={label}>
      <ul class="tree" ref={rowWindow.body as Ref<HTMLUListElement>}>
        <SpacerItem height={rowWindow.before} />
        {rows.slice(rowWindow.first, rowWindow.last).map((row) => (
          <li key={row.path} style={{ paddingLeft: `${row.depth * 1.2}rem` }}>
            {row.branch && (
              <button
                type="button"
                class="toggle small"
                aria-expanded={!folded.has(row.path)}
                aria-label={`${folded.has(row.path) ? 'Unfold' : 'Fold'} ${row.path}`}
                onClick={() => toggle(row.path)}
              >
                {folded.has(row.path) ? '▸' : '▾'}
              </button>
            )}
            <span class="key">{row.key}</span>
            {row.branch ? '' : ': '}
            <What row={row} onEdit={onEdit} onChart={onChart} computed={computed} />
          </li>
        ))}
        <SpacerItem height={rowWindow.after} />
      </ul>
    </RowViewport>
  );
}
