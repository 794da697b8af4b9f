// Desired against reported properties, feature by feature: each desired value next to the reported one.
import { TableBox } from './table-box.js';
import { pointerOf, type Json, type JsonObject } from '../api/thing-events.js';
import { TableHead } from './table-head.js';

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every leaf of a JSON value (arrays are leaves), with its keys. */
function leavesOf(value: Json, keys: string[] = []): [string[], Json][] {
  if (isObject(value) && Object.keys(value).length > 0)
    return Object.keys(value)
      .sort()
      .flatMap((key) => leavesOf(value[key], [...keys, key]));
  return [[keys, value]];
}

function at(value: Json | undefined, keys: string[]): Json | undefined {
  let current = value;
  for (const key of keys) current = isObject(current) ? current[key] : undefined;
  return current;
}

export function DesiredReported({ features }: { features: JsonObject }) {
  const rows = Object.keys(features)
    .sort()
    .flatMap((featureId) => {
      const feature = features[featureId];
      if (!isObject(feature) || !isObject(feature.desiredProperties)) return [];
      return leavesOf(feature.desiredProperties).map(([keys, desired]) => {
        const reported = at(feature.properties, keys);
        return { featureId, keys, desired, reported };
      });
    });
  if (rows.length === 0)
    return (
      <p data-testid="desired-reported">
        No feature of this twin has desired properties (<code>desiredProperties</code>).
      </p>
    );
  return (
    <TableBox label="Desired against reported properties">
      <table class="diff" data-testid="desired-reported">
        <TableHead columns={['Feature', 'Property', 'Desired', 'Reported', 'State']} />
        <tbody>
          {rows.map(({ featureId, keys, desired, reported }) => {
            const same = JSON.stringify(desired) === JSON.stringify(reported);
            const path = pointerOf(keys);
            return (
              <tr key={`${featureId}${path}`} data-property={`${featureId}${path}`}>
                <td>{featureId}</td>
                <td>
                  <code>{path}</code>
                </td>
                <td>
                  <code>{JSON.stringify(desired)}</code>
                </td>
                <td>
                  <code>
                    {reported === undefined ? '(not reported)' : JSON.stringify(reported)}
                  </code>
                </td>
                <td data-testid="sync-state" class={same ? 'in-sync' : 'pending'}>
                  {same ? 'in sync' : 'pending'}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableBox>
  );
}
