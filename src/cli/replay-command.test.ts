// The replay command's output: the progress bar and the comparison tables.
import { describe, expect, it } from 'vitest';
import { comparisonText, progressBar } from './replay-command.js';

describe('twinfold replay output', () => {
  it('replay cli - the bar fills with the fraction done', () => {
    expect(progressBar({ eventsDone: 0, events: null, fraction: 0 })).toBe(
      `[${'.'.repeat(30)}]   0% 0/? events`,
    );
    expect(progressBar({ eventsDone: 1500, events: 3000, fraction: 0.5 })).toBe(
      `[${'#'.repeat(15)}${'.'.repeat(15)}]  50% 1,500/3,000 events`,
    );
  });

  it('replay cli - the comparison lists alerts on one side only and differing outputs', () => {
    const text = comparisonText({
      replayId: 'r1',
      seconds: 0.5,
      comparison: {
        twins: 1,
        events: 10,
        alerts: {
          replayed: 1,
          live: 1,
          matched: 0,
          onlyInReplay: 1,
          onlyLive: 1,
          resolvedApart: 0,
          onlyInReplayList: [
            {
              thingId: 'ns:a',
              assessment: 'hot',
              raisedAt: '2026-01-01T00:00:01.000Z',
              resolvedAt: null,
            },
          ],
          onlyLiveList: [
            {
              thingId: 'ns:a',
              assessment: 'hot',
              raisedAt: '2026-01-01T00:00:02.000Z',
              resolvedAt: '2026-01-01T00:00:03.000Z',
            },
          ],
          resolvedApartList: [],
        },
        outputs: {
          compared: 20,
          differing: 2,
          maxAbsDifference: 1.5,
          twins: [
            {
              thingId: 'ns:a',
              differing: 2,
              maxAbsDifference: 1.5,
              pointers: { 'features/p/properties/kw': { differing: 2, maxAbsDifference: 1.5 } },
            },
          ],
        },
      },
    });
    expect(text).toContain('1 only in the replay, 1 only live');
    expect(text).toMatch(/replay only\s+ns:a\s+hot\s+2026-01-01T00:00:01.000Z\s+-/);
    expect(text).toMatch(/live only\s+ns:a\s+hot\s+2026-01-01T00:00:02.000Z\s+2026-01-01T00:00:03/);
    expect(text).toMatch(/ns:a\s+features\/p\/properties\/kw\s+2\s+1.5/);
  });
});
