import type { FastifyInstance, FastifySchema } from 'fastify';
import Type, { type TSchema } from 'typebox';

/**
 * Route contracts: every route declares what it accepts (params, query, body) and what its JSON
 * answer looks like (response), as TypeBox schemas. Fastify validates the input against them
 * (a mismatch is a 400 through the app's error handler) and serializes JSON answers with them.
 * test/http/route-contracts.test.ts walks every registered route and fails on one without.
 */

/** The app's one error body: `{ error: { code, message } }` for every 4xx and 5xx JSON answer. */
export const ErrorBody = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) });

/** A route without path parameters, query parameters or body says so explicitly. */
export const NoParams = Type.Object({}, { additionalProperties: false });
export const NoQuery = Type.Object({});
export const NoBody = Type.Union([Type.Null(), Type.Object({})]);

/** A form posted with only its CSRF token (the token is checked by the CSRF hook, not here). */
export const CsrfOnlyForm = Type.Union([Type.Null(), Type.Object({ _csrf: Type.Optional(Type.String({ maxLength: 256 })) })]);

/** The page's HTML (a string, not serialized) or a redirect: nothing to describe as JSON. */
export const NotJson = Type.Unknown({ description: 'HTML or a redirect; no JSON body' });

export interface ContractParts {
  params?: TSchema;
  querystring?: TSchema;
  body?: TSchema;
  /** The JSON answer of a successful request (200 unless `status` says otherwise). */
  json: TSchema;
  status?: number;
  /** Extra documented responses (e.g. 503 on /healthz). */
  more?: Record<number, TSchema>;
}

/** A full contract: missing params/query default to "none", errors to ErrorBody. */
export function contract(parts: ContractParts): FastifySchema {
  const schema: FastifySchema = {
    params: parts.params ?? NoParams,
    querystring: parts.querystring ?? NoQuery,
    response: { [parts.status ?? 200]: parts.json, ...parts.more, '4xx': ErrorBody, '5xx': ErrorBody },
  };
  if (parts.body) schema.body = parts.body;
  return schema;
}

export interface RouteRecord {
  method: string;
  url: string;
  schema: FastifySchema | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered on this app with its schema (for the contracts test). */
    routeTable: RouteRecord[];
  }
}

/** Records every route as it is registered; call before any route or plugin is added. */
export function recordRoutes(app: FastifyInstance): void {
  const routes: RouteRecord[] = [];
  app.decorate('routeTable', routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, schema: route.schema });
  });
}

/** What a route lacks of its contract (empty when complete). */
export function missingContractParts(route: RouteRecord): string[] {
  const schema = route.schema ?? {};
  const missing: string[] = [];
  if (!schema.params) missing.push('params');
  if (!schema.querystring) missing.push('querystring');
  if (!schema.response) missing.push('response');
  if (!['GET', 'HEAD', 'OPTIONS'].includes(route.method) && !schema.body) missing.push('body');
  return missing;
}
