// Reading a type's id and document: its parts, the twins it governs, what each output computes.

/** The parts of a type's id: `namespace:name:version`. */
export function typeIdParts(typeId: string): { namespace: string; name: string; version: string } {
  const [namespace = '', name = '', ...rest] = typeId.split(':');
  return { namespace, name, version: rest.join(':') };
}

/** The RQL that finds the twins a type governs. */
export function governedBy(typeId: string): string {
  return `eq(definition,${JSON.stringify(typeId)})`;
}

/** What a computed output is, in a line: a CEL expression, a window, a roll-up. */
export function describeOutput(kind: 'derived' | 'window' | 'rollup', spec: unknown): string {
  if (kind === 'derived') return String(spec);
  const s = (spec ?? {}) as Record<string, unknown>;
  if (kind === 'window') {
    const over = s.window
      ? `over ${String(s.window)}`
      : s.samples
        ? `over ${String(s.samples)} samples`
        : s.halfLife
          ? `half-life ${String(s.halfLife)}`
          : '';
    const late = s.lateness ? `, lateness ${String(s.lateness)}` : '';
    return `${String(s.op)} of ${String(s.of)} ${over}${late}`.trim();
  }
  const levels = Number(s.depth ?? 1);
  const depth = levels > 1 ? `, ${levels} levels down` : '';
  return `${String(s.op)} of ${String(s.of)} over the ${String(s.from)} by ${String(s.relation)}${depth}`;
}

/** Where a refused CEL expression broke, from the API's message (`'<expr>' at column 12: …`). */
export function celErrorAt(
  message: string,
): { expression: string; line: number; column: number } | null {
  const at = / at (?:line (\d+), )?column (\d+):/.exec(message);
  if (!at || message[at.index - 1] !== "'") return null;
  const end = at.index - 1;
  const opening = message.lastIndexOf(": '", end - 1);
  const start = opening >= 0 ? opening + 3 : message.lastIndexOf("'", end - 1) + 1;
  if (start <= 0) return null;
  return {
    expression: message.slice(start, end),
    line: at[1] ? Number(at[1]) : 1,
    column: Number(at[2]),
  };
}
