#!/usr/bin/env node
// The `twinfold` command line.
import { Command, Option } from 'commander';
import { pino } from 'pino';
import { ConfigError, DEFAULTS, resolveConfig, type ServeFlags } from './config.js';
import { StorageError } from '../store/storage-errors.js';
import { startServer } from './server.js';
import { usersCommand } from './users-command.js';
import { deadLettersCommand } from './deadletters-command.js';
import { replayCommand } from './replay-command.js';
import { forkCommand, migrateCommand } from './scenario-commands.js';
import { dcCommand } from './dc-command.js';
import { experimentCommand } from './experiment-command.js';

const program = new Command()
  .name('twinfold')
  .description('Twinfold: an open digital-twin platform with a Ditto-compatible API')
  .version('0.1.0');

program
  .command('serve')
  .description('Run the API and the twin runtime (flags override TWINFOLD_* environment variables)')
  .addOption(new Option('--port <port>', `HTTP port (TWINFOLD_PORT, default ${DEFAULTS.port})`))
  .addOption(
    new Option('--host <host>', `address to listen on (TWINFOLD_HOST, default ${DEFAULTS.host})`),
  )
  .addOption(new Option('--data <dir>', `data directory (TWINFOLD_DATA, default ${DEFAULTS.data})`))
  .addOption(
    new Option(
      '--mqtt-port <port>',
      'embedded MQTT broker port, 0 = off (TWINFOLD_MQTT_PORT, default 1883)',
    ),
  )
  .addOption(
    new Option(
      '--mqtt-host <host>',
      'address of the embedded MQTT broker (TWINFOLD_MQTT_HOST, default: --host)',
    ),
  )
  .addOption(
    new Option(
      '--mqtt-url <url>',
      'an external MQTT broker to subscribe to instead, mqtt://user:pass@host:port (TWINFOLD_MQTT_URL)',
    ),
  )
  .addOption(
    new Option(
      '--mqtt-client-id <id>',
      "client id of the persistent session at the external broker (TWINFOLD_MQTT_CLIENT_ID, default 'twinfold')",
    ),
  )
  .addOption(
    new Option('--store <store>', "'sqlite' or a postgres:// URL (TWINFOLD_STORE, default sqlite)"),
  )
  .addOption(
    new Option(
      '--store-schema <name>',
      'PostgreSQL schema of a postgres:// store (TWINFOLD_STORE_SCHEMA, default twinfold)',
    ),
  )
  .addOption(new Option('--bus <bus>', "'local' or a nats:// URL (TWINFOLD_BUS, default local)"))
  .addOption(
    new Option(
      '--series <on|off>',
      "keep every number, boolean and string a twin property takes as a time series (/api/2/timeseries); 'off' keeps none and has no such routes (TWINFOLD_SERIES, default on)",
    ),
  )
  .addOption(
    new Option(
      '--index <where>',
      "search index: 'memory' (in the process) or 'store' (in the --store database: index.db, or a table of the schema), rebuilt from the journal at start (TWINFOLD_INDEX, default memory)",
    ),
  )
  .addOption(
    new Option(
      '--durability <level>',
      "'process': an acknowledged write survives a crash of the process; 'power': also a power loss (fsync per group commit) (TWINFOLD_DURABILITY, default process)",
    ),
  )
  .addOption(
    new Option(
      '--max-thing-bytes <n>',
      'largest thing JSON (TWINFOLD_MAX_THING_BYTES, default 102400)',
    ),
  )
  .addOption(
    new Option(
      '--history-retention-days <n>',
      'days to keep the history of deleted twins, 0 = forever (default 0)',
    ),
  )
  .addOption(
    new Option(
      '--log-level <level>',
      'fatal, error, warn, info, debug (TWINFOLD_LOG_LEVEL, default info)',
    ),
  )
  .addOption(new Option('--demo', 'create demo twins when the data directory is empty'))
  .addOption(
    new Option(
      '--rate-limit <n>',
      'requests per second per identity, 0 = unlimited (TWINFOLD_RATE_LIMIT, default 0)',
    ),
  )
  .addOption(
    new Option(
      '--max-connections <n>',
      'most open HTTP connections, more are refused (TWINFOLD_MAX_CONNECTIONS, default 10000)',
    ),
  )
  .addOption(
    new Option(
      '--headers-timeout-ms <ms>',
      'time a client has to send request headers (TWINFOLD_HEADERS_TIMEOUT_MS, default 10000)',
    ),
  )
  .addOption(
    new Option(
      '--search-timeout-ms <ms>',
      'time a search or count may take, then 408 (TWINFOLD_SEARCH_TIMEOUT_MS, default 5000)',
    ),
  )
  .addOption(
    new Option(
      '--default-namespace <namespace>',
      'namespace of POST /api/2/things without one (TWINFOLD_DEFAULT_NAMESPACE, default org.eclipse.ditto)',
    ),
  )
  .addOption(
    new Option(
      '--webhook-retry-max-ms <ms>',
      'longest delay between two attempts of a webhook delivery (TWINFOLD_WEBHOOK_RETRY_MAX_MS, default 300000)',
    ),
  )
  .addOption(
    new Option(
      '--webhook-timeout-ms <ms>',
      'a webhook receiver not answering within this fails the attempt (TWINFOLD_WEBHOOK_TIMEOUT_MS, default 10000)',
    ),
  )
  .addOption(
    new Option(
      '--max-series-points <n>',
      'most points one time-series answer may hold; larger ones are refused with a 400 (TWINFOLD_MAX_SERIES_POINTS, default 100000)',
    ),
  )
  .addOption(
    new Option(
      '--subject-expiry-granularity <duration>',
      "policy subject expiries round up to this, as Ditto's policies.subject-expiry.granularity, 0 = not at all (TWINFOLD_SUBJECT_EXPIRY_GRANULARITY, default 1h)",
    ),
  )
  .addOption(
    new Option(
      '--access-ttl-seconds <n>',
      'lifetime of login JWTs (TWINFOLD_ACCESS_TTL_SECONDS, default 900)',
    ),
  )
  .addOption(
    new Option(
      '--oidc-issuer <url>',
      'accept JWTs of this OIDC issuer as oidc:<sub> (TWINFOLD_OIDC_ISSUER)',
    ),
  )
  .addOption(new Option('--oidc-jwks-url <url>', "the issuer's JWKS URL (TWINFOLD_OIDC_JWKS_URL)"))
  .addOption(
    new Option('--oidc-audience <aud>', 'required audience of OIDC JWTs (TWINFOLD_OIDC_AUDIENCE)'),
  )
  .addOption(
    new Option(
      '--metrics-token <token>',
      '/metrics then needs Authorization: Bearer <token> or an administrator; unset = public (TWINFOLD_METRICS_TOKEN, safer than the flag)',
    ),
  )
  .addOption(
    new Option(
      '--cors-origin <origins>',
      'comma-separated origins whose web pages may call the API (CORS), or * for any; none by default (TWINFOLD_CORS_ORIGIN)',
    ),
  )
  .addOption(
    new Option(
      '--nats-url <url>',
      'NATS server of nats ingest sources and --events-nats, e.g. nats://127.0.0.1:4222 (TWINFOLD_NATS_URL)',
    ),
  )
  .addOption(
    new Option(
      '--amqp-url <url>',
      'AMQP 0.9.1 broker of amqp ingest sources, e.g. amqp://guest:guest@127.0.0.1:5672 (TWINFOLD_AMQP_URL)',
    ),
  )
  .addOption(
    new Option(
      '--events-nats [prefix]',
      'publish every committed twin event on NATS as <prefix>.<namespace>.<name> (default prefix twinfold.events; needs --nats-url; TWINFOLD_EVENTS_NATS)',
    ),
  )
  .action(async (flags: ServeFlags) => {
    let config;
    try {
      config = resolveConfig(flags);
    } catch (error) {
      if (error instanceof ConfigError) {
        process.stderr.write(
          `twinfold serve: ${error.message}\nRun 'twinfold serve --help' for the options.\n`,
        );
        process.exit(2);
      }
      throw error;
    }
    const logger = pino({ level: config.logLevel });
    const server = await startServer(config, logger, {
      adminToken: process.env.TWINFOLD_ADMIN_TOKEN,
    }).catch((error: unknown) => {
      logger.fatal({ err: error }, 'could not start');
      if (error instanceof StorageError) process.stderr.write(`twinfold serve: ${error.message}\n`);
      process.exit(1);
    });
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down: draining requests and flushing the journal');
      server.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });

program.addCommand(usersCommand());
program.addCommand(deadLettersCommand());
program.addCommand(replayCommand());
program.addCommand(forkCommand());
program.addCommand(migrateCommand());
program.addCommand(dcCommand());
program.addCommand(experimentCommand());

await program.parseAsync(process.argv);
