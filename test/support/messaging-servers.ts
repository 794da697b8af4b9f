// The NATS (with JetStream) and RabbitMQ servers of this machine for tests: whether they answer,
// and unique names so that tests never share a subject, stream or queue.
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';

export const NATS_URL = process.env.TWINFOLD_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
export const AMQP_URL = process.env.TWINFOLD_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** A name no other test run uses (lower-case letters and digits). */
export function uniqueName(prefix: string): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

/** Why NATS with JetStream cannot be used, or null when it can. */
export async function natsUnavailable(): Promise<string | null> {
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 2000, reconnect: false });
    try {
      await (await jetstreamManager(nc)).getAccountInfo();
    } catch (error) {
      return `NATS at ${NATS_URL} has no JetStream: ${(error as Error).message}`;
    } finally {
      await nc.close();
    }
    return null;
  } catch (error) {
    return `no NATS server at ${NATS_URL}: ${(error as Error).message}`;
  }
}

/** Why RabbitMQ cannot be used, or null when it can. */
export async function amqpUnavailable(): Promise<string | null> {
  try {
    const connection = await amqp.connect(AMQP_URL, { timeout: 2000 });
    await connection.close();
    return null;
  } catch (error) {
    return `no AMQP broker at ${AMQP_URL}: ${(error as Error).message}`;
  }
}

/** Under CI=true a missing server fails the test file; elsewhere the tests skip, saying why. */
export function requireUnderCi(name: string, whyNot: string | null): void {
  if (whyNot !== null && process.env.CI === 'true') throw new Error(`${name}: ${whyNot}`);
}
