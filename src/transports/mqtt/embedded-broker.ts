// The embedded MQTT broker (aedes): API tokens as passwords, publishes authorised by namespace and
// ingested before their PUBACK.
import { createServer, type Server } from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { Logger } from 'pino';
import type { Identity } from '../../auth/identity.js';
import type { IdentityService } from '../../auth/identity-service.js';
import type { DeviceCommandChannel } from '../../ingest/device-command-channel.js';
import type { ConnectionRegistry } from '../../services/connection-registry.js';
import { trackBrokerConnections } from './broker-connections.js';
import type { CommandRoutes, MqttParty } from './command-routes.js';
import { rawMessage, TopicRouter } from './topic-router.js';

/** MQTT 3.1.1 CONNACK return codes used here. */
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

function authError(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

export interface EmbeddedBrokerOptions {
  port: number;
  host: string;
  identities: IdentityService;
  router: TopicRouter;
  logger: Logger;
  /**
   * Specs a client without a password may publish to (the demo's, so that Ditto's README commands
   * work unchanged); empty or absent: every client needs a token.
   */
  anonymousSpecs?: ReadonlySet<string>;
  /** The command and response topics of specs: who may subscribe to and publish on them. */
  commands?: CommandRoutes;
  /** Where the connected clients are listed (GET /api/2/clients). */
  connections?: ConnectionRegistry;
}

/** The client id recorded for a client admitted without a password. */
const ANONYMOUS = Symbol('anonymous');

/** What happened when the broker tried to listen. */
export type ListenResult = { listening: true; port: number } | { listening: false; reason: string };

/**
 * An aedes broker on a TCP port. A client authenticates with a Twinfold API token (or login JWT)
 * as its password, any username. A publish on a topic of an mqtt spec is ingested, and its QoS 1
 * PUBACK written only once its observations (or its dead letter) are durable; a publish its token
 * may not make is refused by closing the connection (MQTT 3.1.1 has no negative PUBACK), and is
 * neither ingested nor forwarded. Other topics are brokered as any broker does.
 */
export class EmbeddedBroker implements DeviceCommandChannel {
  private readonly server: Server;
  private readonly clientIdentities = new WeakMap<Client, string | typeof ANONYMOUS>();
  /** Who each client is, as of its CONNECT or its last SUBSCRIBE (for the check of each forward). */
  private readonly parties = new WeakMap<Client, MqttParty>();
  /** Takes a publish on a response topic (the MQTT device channel); true when it was one. */
  onResponse: ((topic: string, payload: Buffer) => boolean) | null = null;
  private constructor(
    private readonly options: EmbeddedBrokerOptions,
    readonly aedes: Aedes,
  ) {
    this.server = createServer(aedes.handle);
  }

  static async create(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
    // Filled in below: aedes takes its hooks at construction, and they need the instance.
    const holder: { broker?: EmbeddedBroker } = {};
    const aedes = await Aedes.createBroker({
      authenticate: (client, _username, password, done) =>
        holder.broker!.authenticate(client, password, done),
      authorizePublish: (client, packet, done) => {
        if (client === null) return done(null); // the broker's own publishes (commands, $SYS)
        holder.broker!.authorizePublish(client, packet.topic, packet.payload, done);
      },
      authorizeSubscribe: (client, subscription, done) =>
        holder.broker!.authorizeSubscribe(client, subscription.topic, (ok) =>
          done(null, ok ? subscription : null),
        ),
      authorizeForward: (client, packet) =>
        holder.broker!.authorizeForward(client, packet.topic) ? packet : null,
    });
    holder.broker = new EmbeddedBroker(options, aedes);
    const parties = holder.broker.parties;
    if (options.connections)
      trackBrokerConnections(aedes, options.connections, (client) => {
        const party = parties.get(client);
        return party === undefined || party.anonymous ? null : party.identity.id;
      });
    return holder.broker;
  }

  private identify(client: Client, password: string): Identity | Promise<Identity> {
    const address = client.conn as { remoteAddress?: string };
    return this.options.identities.authenticate(`Bearer ${password}`, address.remoteAddress);
  }

  private authenticate(
    client: Client,
    password: Readonly<Buffer | undefined>,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    if (password === undefined || password.length === 0) {
      if ((this.options.anonymousSpecs?.size ?? 0) > 0) {
        this.clientIdentities.set(client, ANONYMOUS);
        this.parties.set(client, { anonymous: true });
        done(null, true);
        return;
      }
      done(
        authError('a Twinfold API token is the password; none was given', NOT_AUTHORIZED),
        false,
      );
      return;
    }
    const token = password.toString('utf8');
    Promise.resolve()
      .then(() => this.identify(client, token))
      .then(
        (identity) => {
          this.clientIdentities.set(client, token);
          this.parties.set(client, { anonymous: false, identity });
          done(null, true);
        },
        () => done(authError('the token is not valid', BAD_USERNAME_OR_PASSWORD), false),
      );
  }

  private authorizePublish(
    client: Client,
    topic: string,
    payload: Buffer | string,
    done: (error?: Error | null) => void,
  ): void {
    const commands = this.options.commands;
    if (commands !== undefined && commands.match(topic).length > 0) {
      this.authorizeCommandPublish(client, topic, payload, done);
      return;
    }
    this.authorizeSpecPublish(client, topic, payload, done);
  }

  /** Who `client` is now: its token checked again (revoked or expired: null). */
  private async partyOf(client: Client): Promise<MqttParty | null> {
    const token = this.clientIdentities.get(client);
    if (token === undefined) return null;
    if (token === ANONYMOUS) return { anonymous: true };
    try {
      const party: MqttParty = { anonymous: false, identity: await this.identify(client, token) };
      this.parties.set(client, party);
      return party;
    } catch {
      return null;
    }
  }

  /**
   * A publish on a command or response topic: only for things whose commands the client may use
   * (its namespaces; for a client without a token, the demo spec's things). A response is then
   * handed to the device channel; the publish goes on to the broker's subscribers either way.
   */
  private authorizeCommandPublish(
    client: Client,
    topic: string,
    payload: Buffer | string,
    done: (error?: Error | null) => void,
  ): void {
    const commands = this.options.commands!;
    const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
    this.partyOf(client).then((party) => {
      if (party === null || !commands.mayPublish(party, topic)) {
        this.options.logger.warn(
          { client: client.id, topic },
          "MQTT publish on a command topic refused (the thing is outside the token's namespaces); the connection is closed",
        );
        return done(new Error(`publish to '${topic}' refused`));
      }
      this.onResponse?.(topic, bytes);
      this.authorizeSpecPublish(client, topic, bytes, done);
    }, done);
  }

  /** SUBSCRIBE: command and response topics only of things the client may use (SUBACK 0x80 otherwise). */
  private authorizeSubscribe(client: Client, filter: string, done: (ok: boolean) => void): void {
    const commands = this.options.commands;
    if (commands === undefined) return done(true);
    this.partyOf(client).then(
      (party) => {
        const ok =
          party !== null &&
          commands.maySubscribe(
            party,
            filter,
            party.anonymous ? commands.anonymousFilters(this.options.router.mqttSpecs()) : [],
          );
        if (!ok)
          this.options.logger.warn(
            { client: client.id, filter },
            'MQTT subscription refused: it reaches command topics of things outside what the client may read',
          );
        done(ok);
      },
      () => done(false),
    );
  }

  /** Each publish forwarded on a command topic goes only to clients that may use that thing's. */
  private authorizeForward(client: Client, topic: string): boolean {
    const commands = this.options.commands;
    if (commands === undefined) return true;
    const party = this.parties.get(client);
    if (party === undefined) return false;
    return commands.mayReceive(party, topic);
  }

  private authorizeSpecPublish(
    client: Client,
    topic: string,
    payload: Buffer | string,
    done: (error?: Error | null) => void,
  ): void {
    const matches = this.options.router.match(topic);
    if (matches.length === 0) return done(null);
    const token = this.clientIdentities.get(client);
    if (token === undefined) return done(new Error('not authenticated'));
    if (token === ANONYMOUS) {
      const outside = matches.find((m) => !this.options.anonymousSpecs?.has(m.spec.specId));
      if (outside !== undefined) {
        this.options.logger.warn(
          { client: client.id, topic, spec: outside.spec.specId },
          'MQTT publish without a token refused (only the demo spec takes those); the connection is closed',
        );
        return done(new Error(`publish to '${topic}' needs a token`));
      }
      this.options.router
        .deliver(topic, typeof payload === 'string' ? Buffer.from(payload) : payload, matches)
        .then(
          () => done(null),
          (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
        );
      return;
    }
    const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
    // Checked again per publish: a token revoked or expired since CONNECT writes nothing more.
    Promise.resolve()
      .then(() => this.identify(client, token))
      .then(
        (identity) => {
          for (const m of matches) {
            const why = TopicRouter.refusal(identity, m.spec, () =>
              rawMessage(topic, bytes, m.named, Date.now()),
            );
            if (why !== null) throw new PublishRefused(topic, why);
          }
          return this.options.router.deliver(topic, bytes, matches);
        },
        () => {
          throw new PublishRefused(topic, 'the token is no longer valid');
        },
      )
      .then(
        () => done(null),
        (error: unknown) => {
          if (error instanceof PublishRefused)
            this.options.logger.warn(
              { client: client.id, topic, reason: error.reason },
              'MQTT publish refused; the connection is closed',
            );
          else
            this.options.logger.error(
              { err: error, client: client.id, topic },
              'MQTT publish not ingested; the connection is closed so that the client sends it again',
            );
          done(error instanceof Error ? error : new Error(String(error)));
        },
      );
  }

  /** Listens; a port in use is reported, not thrown, so that the server starts without the broker. */
  listen(): Promise<ListenResult> {
    const { port, host } = this.options;
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        this.server.off('listening', onListening);
        if (error.code === 'EADDRINUSE' || error.code === 'EACCES')
          resolve({
            listening: false,
            reason:
              error.code === 'EADDRINUSE'
                ? `port ${port} on ${host} is in use (another MQTT broker, such as Mosquitto, may run there)`
                : `port ${port} on ${host} may not be opened by this user`,
          });
        else reject(error);
      };
      const onListening = () => {
        this.server.off('error', onError);
        const address = this.server.address();
        resolve({
          listening: true,
          port: typeof address === 'object' && address ? address.port : port,
        });
      };
      this.server.once('error', onError);
      this.server.once('listening', onListening);
      this.server.listen(port, host);
    });
  }

  publish(topic: string, payload: string | Buffer, qos: 0 | 1): Promise<void> {
    return new Promise((resolve, reject) =>
      this.aedes.publish(
        {
          cmd: 'publish',
          topic,
          payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
          qos,
          retain: false,
          dup: false,
        },
        (error) => (error ? reject(error) : resolve()),
      ),
    );
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    if (this.server.listening)
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A publish its token may not make. */
class PublishRefused extends Error {
  constructor(
    topic: string,
    readonly reason: string,
  ) {
    super(`publish to '${topic}' refused: ${reason}`);
  }
}
