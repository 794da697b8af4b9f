// A box a wide table scrolls sideways in (a phone's screen), labelled and focusable so the keyboard can scroll it too.
import type { ComponentChildren } from 'preact';

export function TableBox({
  label,
  children,
  testId,
}: {
  label: string;
  children: ComponentChildren;
  testId?: string;
}) {
  return (
    <div class="table-box" tabIndex={0} role="region" aria-label={label} data-testid={testId}>
      {children}
    </div>
  );
}
