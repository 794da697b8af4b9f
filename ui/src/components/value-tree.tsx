// A thing's JSON as a tree of keys; leaves can be edited in place when an `onEdit` is given.
import { useState } from 'preact/hooks';
import { pointerOf, type Json } from '../api/thing-events.js';

export interface TreeProps {
  value: Json;
  /** The keys leading to `value` from the thing's root. */
  keys?: string[];
  /** Starts editing the leaf at a pointer; absent for a read-only tree (time travel). */
  onEdit?: (path: string) => void;
  /** Leaves whose value is numeric can be charted. */
  onChart?: (path: string) => void;
}

function Leaf({
  value,
  path,
  onEdit,
  onChart,
}: { value: Json; path: string } & Pick<TreeProps, 'onEdit' | 'onChart'>) {
  return (
    <span class="leaf">
      <code class={`value type-${value === null ? 'null' : typeof value}`} data-path={path}>
        {JSON.stringify(value)}
      </code>
      {onEdit && (
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

export function ValueTree({ value, keys = [], onEdit, onChart }: TreeProps) {
  const [open, setOpen] = useState(true);
  if (value === null || typeof value !== 'object')
    return <Leaf value={value} path={pointerOf(keys)} onEdit={onEdit} onChart={onChart} />;
  const entries = Array.isArray(value)
    ? value.map((item, i) => [String(i), item] as const)
    : Object.entries(value);
  if (entries.length === 0) return <code>{Array.isArray(value) ? '[]' : '{}'}</code>;
  return (
    <span>
      {keys.length > 0 && (
        <button
          type="button"
          class="toggle small"
          aria-expanded={open}
          onClick={() => setOpen(!open)}
        >
          {open ? '▾' : '▸'}
        </button>
      )}
      {open && (
        <ul class="tree">
          {entries.map(([key, child]) => (
            <li key={key}>
              <span class="key">{key}</span>:{' '}
              {/* Array elements are shown, not edited one by one: Ditto addresses whole arrays. */}
              {Array.isArray(value) ? (
                <code>{JSON.stringify(child)}</code>
              ) : (
                <ValueTree value={child} keys={[...keys, key]} onEdit={onEdit} onChart={onChart} />
              )}
            </li>
          ))}
        </ul>
      )}
    </span>
  );
}
