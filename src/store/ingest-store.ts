// Port: ingest specs (small, rarely written) and dead letters (every message that could not be ingested).

/** Who put a spec; messages of the spec are applied with these rights. */
export interface SpecOwnerRecord {
  id: string;
  subjects: string[];
  admin: boolean;
  namespaces: string[] | null;
}

export interface IngestSpecRecord {
  specId: string;
  revision: number;
  created: number;
  modified: number;
  owner: SpecOwnerRecord;
  /** The spec as JSON text, as it was put. */
  spec: string;
}

/** A message that could not be parsed, mapped or applied, kept whole with why. */
export interface DeadLetterRecord {
  /** Sorts in the order dead letters were made (see `deadLetterId`). */
  id: string;
  specId: string;
  /** `http`, `mqtt`, `nats`, `amqp`. */
  transport: string;
  /** The topic, subject or routing key; null over HTTP. */
  topic: string | null;
  /** Headers of the message that templates may read (lower-case names). */
  headers: Record<string, string>;
  /** Epoch ms the message was received. */
  received: number;
  /** A short code: `payload.invalid`, `thingid.unresolved`, `value.missing`, `thing.notfound`, … */
  reason: string;
  /** What went wrong, for a person. */
  detail: string;
  /** The raw message; base64 when `encoding` says so (binary payloads). */
  payload: string;
  encoding: 'utf8' | 'base64';
  /** How many times it was redriven and failed again. */
  attempts: number;
}

/** Which dead letters: each field narrows; `after` pages on from an id. */
export interface DeadLetterFilter {
  specId?: string;
  reason?: string;
  /** Received at or after (epoch ms). */
  since?: number;
  /** Received before (epoch ms). */
  until?: number;
}

export interface DeadLetterPage extends DeadLetterFilter {
  /** Ids greater than this one. */
  after?: string;
  limit: number;
}

export interface IngestStore {
  listSpecs(): Promise<IngestSpecRecord[]>;
  putSpec(spec: IngestSpecRecord): Promise<void>;
  /** False when there was no such spec. */
  deleteSpec(specId: string): Promise<boolean>;
  /** Stores dead letters durably, all or none. */
  putDeadLetters(letters: DeadLetterRecord[]): Promise<void>;
  getDeadLetter(id: string): Promise<DeadLetterRecord | null>;
  /** Dead letters in id order (the order they were made). */
  listDeadLetters(page: DeadLetterPage): Promise<DeadLetterRecord[]>;
  /** Deletes the dead letters with these ids, or (without ids) those the filter selects; returns how many. */
  deleteDeadLetters(filter: DeadLetterFilter & { ids?: string[] }): Promise<number>;
  close(): Promise<void>;
}

let lastMs = 0;
let counter = 0;

/**
 * A new dead-letter id that sorts after every id made before it in this process:
 * `dl-<ms, 11 base-36 digits><counter, 4><random, 4>`.
 */
export function deadLetterId(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else counter++;
  const random = Math.floor(Math.random() * 36 ** 4);
  return `dl-${lastMs.toString(36).padStart(11, '0')}${counter.toString(36).padStart(4, '0')}${random
    .toString(36)
    .padStart(4, '0')}`;
}
