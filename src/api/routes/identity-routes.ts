// Identities: login, refresh and logout, whoami, users (administrators) and API tokens.
import {
  newTokenSchema,
  noBody,
  tokenPairSchema,
  tokenSchema,
  userSchema,
  whoAmISchema,
} from '../openapi-schemas.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { userSubject, type IdentityService } from '../../auth/identity-service.js';
import { assertWritable, type Identity } from '../../auth/identity.js';
import { errors } from '../../core/error-registry.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../core/json.js';
import type { ApiContext } from '../api-context.js';
import { PUBLIC, identityOf, withRetryAfter } from '../authentication.js';
import { jsonBodyOf } from '../request-body.js';
import { sendJson } from '../reply.js';

function objectBody(request: FastifyRequest): JsonObject {
  const body = jsonBodyOf(request);
  if (!isJsonObject(body)) throw errors.identityInvalid('The request body must be a JSON object.');
  return body;
}

function requireAdmin(identity: Identity): void {
  if (!identity.admin)
    throw errors.forbidden('Only administrators may manage users and signing keys.');
  // A token scoped to some namespaces must not reach beyond them by minting unscoped users.
  if (identity.namespaces !== null)
    throw errors.forbidden(
      'A namespace-scoped token cannot manage users or signing keys: use an unscoped credential.',
    );
}

/** The identity of a request that changes users or keys: an administrator that may write. */
function adminWriter(request: FastifyRequest): Identity {
  const identity = identityOf(request);
  requireAdmin(identity);
  assertWritable(identity);
  return identity;
}

const tags = ['Identities'];
const body = (properties: Record<string, object>, required: string[] = []) => ({
  type: 'object',
  properties,
  required,
});

export function registerIdentityRoutes(app: FastifyInstance, { identities }: ApiContext): void {
  app.get(
    '/whoami',
    {
      schema: {
        tags,
        summary: 'The authenticated subjects (Ditto)',
        response: { 200: whoAmISchema },
      },
    },
    async (request, reply) => {
      const identity = identityOf(request);
      return sendJson(reply, 200, { defaultSubject: identity.id, subjects: identity.subjects });
    },
  );
  if (!identities) return;
  const service: IdentityService = identities;

  app.post(
    '/auth/login',
    {
      config: PUBLIC,
      schema: {
        tags,
        summary: 'Log in with a username and password: a short-lived JWT and a refresh token',
        response: { 200: tokenPairSchema },
        body: body({ username: { type: 'string' }, password: { type: 'string' } }, [
          'username',
          'password',
        ]),
      },
    },
    async (request, reply) => {
      const { username, password } = objectBody(request);
      const tokens = await service
        .login(username, password, request.ip)
        .catch((error: unknown) => Promise.reject(withRetryAfter(reply, error)));
      return sendJson(reply, 200, tokens as unknown as JsonValue);
    },
  );
  app.post(
    '/auth/refresh',
    {
      config: PUBLIC,
      schema: {
        tags,
        summary: 'Exchange a refresh token for new tokens',
        response: { 200: tokenPairSchema },
        body: body({ refresh_token: { type: 'string' } }, ['refresh_token']),
      },
    },
    async (request, reply) => {
      const tokens = await service
        .refresh(objectBody(request).refresh_token, request.ip)
        .catch((error: unknown) => Promise.reject(withRetryAfter(reply, error)));
      return sendJson(reply, 200, tokens as unknown as JsonValue);
    },
  );
  app.post(
    '/auth/logout',
    {
      config: PUBLIC,
      schema: {
        tags,
        summary:
          "Log out a refresh token's session: its refresh and access tokens, and the API tokens they minted",
        body: body({ refresh_token: { type: 'string' } }, ['refresh_token']),
      },
    },
    async (request, reply) => {
      await service
        .logout(objectBody(request).refresh_token, request.headers.authorization, request.ip)
        .catch((error: unknown) => Promise.reject(withRetryAfter(reply, error)));
      return reply.code(204).send();
    },
  );
  app.post(
    '/auth/keys/rotate',
    { schema: { tags, summary: 'Rotate the JWT signing key (administrators)' } },
    async (request, reply) => {
      adminWriter(request);
      return sendJson(reply, 200, service.rotateSigningKey());
    },
  );

  app.get(
    '/users',
    {
      schema: {
        tags,
        summary: 'List users (administrators)',
        response: { 200: { type: 'array', items: userSchema } },
      },
    },
    async (request, reply) => {
      requireAdmin(identityOf(request));
      return sendJson(reply, 200, service.listUsers() as unknown as JsonValue);
    },
  );
  app.post(
    '/users',
    {
      schema: {
        tags,
        summary: 'Create a user (administrators)',
        response: { 201: userSchema },
        body: body(
          {
            username: { type: 'string' },
            password: { type: 'string' },
            roles: { type: 'array', items: { type: 'string' } },
          },
          ['username', 'password'],
        ),
      },
    },
    async (request, reply) => {
      adminWriter(request);
      const { username, password, roles } = objectBody(request);
      if (
        roles !== undefined &&
        !(Array.isArray(roles) && roles.every((r) => typeof r === 'string'))
      ) {
        throw errors.identityInvalid('roles must be an array of strings.');
      }
      const user = await service.addUser(
        String(username),
        String(password),
        (roles as string[] | undefined) ?? [],
      );
      return sendJson(reply, 201, user as unknown as JsonValue);
    },
  );
  const userParams = { type: 'object', properties: { username: { type: 'string' } } };
  app.get(
    '/users/:username',
    {
      schema: {
        tags,
        summary: 'One user (administrators, or the user)',
        params: userParams,
        response: { 200: userSchema },
      },
    },
    async (request, reply) => {
      const identity = identityOf(request);
      const { username } = request.params as { username: string };
      if (identity.id !== userSubject(username)) {
        if (!identity.admin) throw errors.userNotFound(username);
        requireAdmin(identity);
      }
      const user = service.getUser(username);
      if (!user) throw errors.userNotFound(username);
      return sendJson(reply, 200, user as unknown as JsonValue);
    },
  );
  app.patch(
    '/users/:username',
    {
      schema: {
        tags,
        summary: 'Disable or enable a user (administrators): {"disabled": true}',
        params: userParams,
        describedBody: {
          type: 'object',
          required: ['disabled'],
          properties: { disabled: { type: 'boolean' } },
        },
        response: { 200: userSchema },
      },
    },
    async (request, reply) => {
      adminWriter(request);
      const { disabled } = objectBody(request);
      if (typeof disabled !== 'boolean')
        throw errors.identityInvalid('Send {"disabled": true} or {"disabled": false}.');
      const { username } = request.params as { username: string };
      return sendJson(
        reply,
        200,
        (await service.setDisabled(username, disabled)) as unknown as JsonValue,
      );
    },
  );
  app.delete(
    '/users/:username',
    {
      schema: {
        tags,
        summary: 'Delete a user and revoke their tokens (administrators)',
        params: userParams,
      },
    },
    async (request, reply) => {
      adminWriter(request);
      await service.deleteUser((request.params as { username: string }).username);
      return reply.code(204).send();
    },
  );

  app.get(
    '/tokens',
    {
      schema: {
        tags,
        summary:
          "Your API tokens; an administrator's: every token within its scope (the bootstrap token only unscoped)",
        response: { 200: { type: 'array', items: tokenSchema } },
      },
    },
    async (request, reply) =>
      sendJson(reply, 200, service.listTokens(identityOf(request)) as unknown as JsonValue),
  );
  app.post(
    '/tokens',
    {
      schema: {
        tags,
        summary: 'Create an API token; the token is shown once',
        response: { 201: newTokenSchema },
        body: body(
          {
            name: { type: 'string' },
            namespaces: { type: 'array', items: { type: 'string' } },
            readOnly: { type: 'boolean' },
            expires: { type: 'string', description: 'ISO-8601 expiry' },
          },
          ['name'],
        ),
      },
    },
    async (request, reply) => {
      const identity = identityOf(request);
      assertWritable(identity);
      const { name, namespaces, readOnly, expires } = objectBody(request);
      let expiresAt: number | null = null;
      if (expires !== undefined && expires !== null) {
        expiresAt = typeof expires === 'string' ? Date.parse(expires) : NaN;
        if (Number.isNaN(expiresAt))
          throw errors.identityInvalid(
            'expires must be an ISO-8601 time, e.g. 2027-01-01T00:00:00Z.',
          );
      }
      const { token, view } = await service.createToken(identity, {
        name: name as string,
        namespaces: namespaces as string[] | undefined,
        readOnly: readOnly === true,
        expires: expiresAt,
      });
      return sendJson(reply, 201, { ...view, token } as unknown as JsonValue);
    },
  );
  app.delete(
    '/tokens/:id',
    {
      schema: {
        tags,
        summary: 'Revoke an API token and every token minted by it',
        response: { 204: noBody },
        params: { type: 'object', properties: { id: { type: 'string' } } },
      },
    },
    async (request, reply) => {
      const identity = identityOf(request);
      assertWritable(identity);
      await service.revokeToken(identity, (request.params as { id: string }).id);
      return reply.code(204).send();
    },
  );
}
