// The figures a shadow run and an experiment run both show first: state, windows done, the speed
// achieved and the MAPE, as cards; a page adds its own cards after them.
import type { ComponentChildren } from 'preact';

/** A number with `digits` decimals, or a dash for none. */
export function fixed(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? '—'
    : value.toFixed(digits);
}

export interface RunCardsProps {
  /** The prefix of the cards' test ids: `<prefix>-status`, `-state`, `-progress`, `-speed`, `-mape`. */
  testId: string;
  state: string;
  progress: { windowsDone: number; windows: number; achievedSpeed: number | null };
  mape: number | null | undefined;
  mapeUncalibrated: number | null | undefined;
  children?: ComponentChildren;
}

export function RunCards({
  testId,
  state,
  progress,
  mape,
  mapeUncalibrated,
  children,
}: RunCardsProps) {
  const { windowsDone, windows, achievedSpeed } = progress;
  return (
    <dl class="cards" data-testid={`${testId}-status`} data-state={state}>
      <div>
        <dt>State</dt>
        <dd data-testid={`${testId}-state`}>{state}</dd>
      </div>
      <div>
        <dt>Windows done</dt>
        <dd data-testid={`${testId}-progress`} data-done={windowsDone} data-windows={windows}>
          {windowsDone} / {windows}
          <progress value={windowsDone} max={Math.max(1, windows)} aria-label="Windows done" />
        </dd>
      </div>
      <div>
        <dt>Achieved speed</dt>
        <dd data-testid={`${testId}-speed`}>
          {achievedSpeed ? `${Math.round(achievedSpeed).toLocaleString()}×` : '—'}
        </dd>
      </div>
      <div>
        <dt>MAPE</dt>
        <dd data-testid={`${testId}-mape`}>
          {fixed(mape)} %<small>uncalibrated {fixed(mapeUncalibrated)} %</small>
        </dd>
      </div>
      {children}
    </dl>
  );
}
