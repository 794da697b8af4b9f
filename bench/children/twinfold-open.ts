// Twinfold with access control off (every request trusted as an administrator), for the `auth`
// benchmark's baseline. Arguments: port, data directory.
import { pino } from 'pino';
import { DEFAULTS } from '../../src/cli/config.js';
import { startServer } from '../../src/cli/server.js';

const [port, data] = process.argv.slice(2);
const server = await startServer(
  { ...DEFAULTS, port: Number(port), data, mqttPort: 0, logLevel: 'warn' },
  pino({ level: 'warn' }),
  { adminToken: 'tft_bench-admin-token-0123456789', accessControl: false },
);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
