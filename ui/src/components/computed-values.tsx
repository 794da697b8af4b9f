// The values a twin's type computes (derived, windows, roll-ups), marked as such, with what
// computes each and its value now (the twin's live state).
import type { TypeDocument } from '../api/api-types.js';
import { valueAt, type JsonObject } from '../api/thing-events.js';
import { describeOutput } from '../api/type-document.js';
import { Link } from '../shell/link.js';
import { href } from '../shell/router.js';
import { TableBox } from './table-box.js';
import { TableHead } from './table-head.js';

const KINDS = [
  ['derived', 'derived'],
  ['windows', 'window'],
  ['rollups', 'rollup'],
] as const;

const LABEL = { derived: 'derived', window: 'window', rollup: 'roll-up' };

/** The pointers a type computes (`/features/power/properties/kw`), with their kind's label. */
export function computedPointers(type: TypeDocument): Map<string, string> {
  const found = new Map<string, string>();
  for (const [member, kind] of KINDS)
    for (const pointer of Object.keys((type[member] ?? {}) as Record<string, unknown>))
      found.set(`/${pointer.replace(/^\//, '')}`, LABEL[kind]);
  return found;
}

export function ComputedValues({
  typeId,
  type,
  thing,
}: {
  typeId: string;
  type: TypeDocument;
  thing: JsonObject;
}) {
  const rows = KINDS.flatMap(([member, kind]) =>
    Object.entries((type[member] ?? {}) as Record<string, unknown>).map(([pointer, spec]) => ({
      pointer,
      kind,
      text: describeOutput(kind, spec),
      value: valueAt(thing, `/${pointer.replace(/^\//, '')}`),
    })),
  );
  if (rows.length === 0) return null;
  return (
    <div data-testid="computed-values">
      <h2>
        Computed by its type{' '}
        <Link href={href('/types', { id: typeId })}>
          <code>{typeId}</code>
        </Link>
      </h2>
      <TableBox label="Values computed by the type">
        <table>
          <TableHead columns={['Pointer', 'Kind', 'Computed as', 'Value now']} />
          <tbody>
            {rows.map((row) => (
              <tr key={row.pointer} data-pointer={row.pointer}>
                <td>
                  <code>{row.pointer}</code>
                </td>
                <td>
                  <span class="badge" data-testid="computed-kind">
                    {LABEL[row.kind]}
                  </span>
                </td>
                <td>
                  <code>{row.text}</code>
                </td>
                <td data-testid="computed-value">
                  {row.value === undefined ? '(absent)' : JSON.stringify(row.value)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableBox>
    </div>
  );
}
