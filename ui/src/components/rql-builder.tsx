// A simple RQL builder: a property, an operator and a value make one condition, added to the filter with and().
import { useState } from 'preact/hooks';

const OPERATORS = ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'like', 'exists'] as const;
type Operator = (typeof OPERATORS)[number];

/** A value as RQL writes it: numbers, booleans and null as they are, anything else a quoted string. */
export function rqlValue(text: string): string {
  const trimmed = text.trim();
  if (/^(-?\d+(\.\d+)?([eE][-+]?\d+)?|true|false|null)$/.test(trimmed)) return trimmed;
  return JSON.stringify(text);
}

/** One condition, e.g. `gt(features/t/properties/value,20)` or `exists(attributes/site)`. */
export function rqlCondition(property: string, operator: Operator, value: string): string {
  const path = property.trim().replace(/^\//, '');
  return operator === 'exists' ? `exists(${path})` : `${operator}(${path},${rqlValue(value)})`;
}

/** The filter with one more condition: itself if empty, inside its and(…), or and(filter,condition). */
export function andRql(filter: string, condition: string): string {
  const current = filter.trim();
  if (!current) return condition;
  if (current.startsWith('and(') && current.endsWith(')'))
    return `${current.slice(0, -1)},${condition})`;
  return `and(${current},${condition})`;
}

export function RqlBuilder({ onAdd }: { onAdd: (condition: string) => void }) {
  const [property, setProperty] = useState('');
  const [operator, setOperator] = useState<Operator>('eq');
  const [value, setValue] = useState('');
  const add = (event: Event) => {
    event.preventDefault();
    if (!property.trim()) return;
    onAdd(rqlCondition(property, operator, value));
    setValue('');
  };
  return (
    <form class="search builder" onSubmit={add} aria-label="Build a filter">
      <label>
        Property
        <input
          name="property"
          placeholder="attributes/site or features/t/properties/value"
          value={property}
          onInput={(e) => setProperty(e.currentTarget.value)}
        />
      </label>
      <label>
        Operator
        <select
          name="operator"
          value={operator}
          onChange={(e) => setOperator(e.currentTarget.value as Operator)}
        >
          {OPERATORS.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Value
        <input
          name="value"
          placeholder='20, true or plant-a (like: "plant-*")'
          disabled={operator === 'exists'}
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
      </label>
      <button type="submit">Add condition</button>
    </form>
  );
}
