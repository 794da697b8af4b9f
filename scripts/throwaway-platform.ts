// A platform as the composition root builds it, in a throw-away data directory, for scripts that
// ask the app about itself (its routes, its OpenAPI document) in-process, without opening a port.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DEFAULTS } from '../src/cli/config.js';
import { Platform } from '../src/platform.js';

/** Runs `use` on a fresh platform (access control on), then closes it and removes its data. */
export async function withThrowawayPlatform<T>(
  use: (platform: Platform) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'twinfold-throwaway-'));
  try {
    const platform = await Platform.open(
      { ...DEFAULTS, data: dir, mqttPort: 0 },
      {
        logger: pino({ level: 'silent' }),
        logRequests: false,
        writerThread: false,
        adminToken: 'tft_throwaway-platform-0123456789',
      },
    );
    try {
      return await use(platform);
    } finally {
      await platform.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
