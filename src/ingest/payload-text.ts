// The JSON text of a parsed payload for a dead letter, even when it nests too deep for JSON.stringify.

type Frame = { items: [string | null, unknown][]; index: number; close: string };

/** JSON.stringify without recursion: for values nested deeper than the call stack allows. */
function stringifyIteratively(value: unknown): string {
  const out: string[] = [];
  const stack: Frame[] = [];
  const write = (key: string | null, item: unknown): void => {
    if (key !== null) out.push(JSON.stringify(key), ':');
    if (item === null || typeof item !== 'object') {
      out.push(JSON.stringify(item) ?? 'null');
      return;
    }
    if (Array.isArray(item)) {
      out.push('[');
      stack.push({ items: item.map((v) => [null, v]), index: 0, close: ']' });
    } else {
      out.push('{');
      const entries = Object.entries(item as Record<string, unknown>).filter(
        ([, v]) => v !== undefined,
      );
      stack.push({ items: entries, index: 0, close: '}' });
    }
  };
  write(null, value);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.index === top.items.length) {
      out.push(top.close);
      stack.pop();
      continue;
    }
    if (top.index > 0) out.push(',');
    const [key, item] = top.items[top.index++];
    write(key, item);
  }
  return out.join('');
}

/** The JSON text of a payload parsed from JSON (its raw text is not at hand, e.g. an array element). */
export function payloadText(payload: unknown): string {
  try {
    return JSON.stringify(payload);
  } catch (error) {
    if (error instanceof RangeError) return stringifyIteratively(payload);
    throw error;
  }
}
