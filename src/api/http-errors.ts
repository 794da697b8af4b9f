// Renders every error as Ditto's error body; client mistakes get a 4xx, never a 500.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../core/error-registry.js';
import { TwinfoldError } from '../core/errors.js';
import { CommitOutcomeUnknownError, StorageUnavailableError } from '../store/storage-errors.js';

/** Maps Fastify's own errors (body parsing, validation, limits) to Ditto-style errors. */
function fromFastifyError(error: FastifyError, request: FastifyRequest): TwinfoldError | null {
  const status = error.statusCode ?? 500;
  if (error.validation) {
    const where = error.validationContext ?? 'request';
    const detail = error.validation
      .map((v) => `${v.instancePath || where} ${v.message ?? ''}`.trim())
      .join('; ');
    return errors.queryParameterInvalid(where, detail);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.requestTooLarge(request.routeOptions.bodyLimit ?? 0);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.mediaTypeUnsupported(
        String(request.headers['content-type'] ?? ''),
        'application/json',
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errors.jsonInvalid('The request body is empty: send a JSON value.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return errors.jsonInvalid('The Content-Length header does not match the body.');
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return errors.jsonInvalid(`Failed to parse JSON: ${error.message}`);
  }
  if (status >= 400 && status < 500) {
    return new TwinfoldError(
      'request.invalid',
      status,
      error.message,
      'Check the request against /api/2/openapi.json.',
    );
  }
  return null;
}

export function renderError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  let known: TwinfoldError | null = error instanceof TwinfoldError ? error : null;
  if (!known && error instanceof CommitOutcomeUnknownError) {
    known = errors.storageOutcomeUnknown(error.message, error);
  }
  if (!known && error instanceof StorageUnavailableError) {
    known = errors.storageUnavailable(error.message, error);
  }
  if (!known && error instanceof Error) known = fromFastifyError(error as FastifyError, request);
  if (!known) {
    request.log.error(
      { err: error, reqId: request.id, url: request.url, method: request.method },
      'unhandled error',
    );
    known = errors.internal();
  }
  if (known.code === 'storage.unavailable' || known.code === 'storage.outcome.unknown') {
    reply.header('retry-after', '1');
  }
  if (known.status === 304) {
    void reply.code(304).send();
    return;
  }
  void reply.code(known.status).type('application/json').send(JSON.stringify(known.toBody()));
}
