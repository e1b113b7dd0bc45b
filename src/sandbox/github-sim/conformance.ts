// Holds REST responses and webhook payloads to GitHub's published schemas
// (@octokit/openapi, @octokit/openapi-webhooks). Used by the simulator's own
// tests and by app tests that want to prove they only touch real routes.
//
// The descriptions are big (13 MB and 5 MB of JSON), so each is parsed once
// per process, on first use, and validators are compiled per route/event on
// demand and cached.

import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { packageFile } from './package-file.js';
import { TemplateTable } from './route-match.js';
import type { RecordedRequest } from './recorder.js';

export interface SchemaCheck {
  readonly ok: boolean;
  readonly errors: string[];
}

type JsonObject = Record<string, unknown>;

const REST_FILE = '@octokit/openapi/generated/api.github.com.json';
const WEBHOOKS_FILE = '@octokit/openapi-webhooks/generated/api.github.com.json';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function readJson(specifier: string): JsonObject {
  return JSON.parse(readFileSync(packageFile(specifier), 'utf8')) as JsonObject;
}

// OpenAPI 3.0 says `nullable: true`; JSON Schema says `type: [..., "null"]`.
// Keys whose values are data or names, not schemas.
const LITERAL_KEYS = new Set(['enum', 'default', 'const', 'required']);
const NAME_MAP_KEYS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'schemas']);

function convertNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convertNullable);
  if (node === null || typeof node !== 'object') return node;
  const source = node as JsonObject;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === 'nullable' || key === 'example' || key === 'examples') continue;
    if (LITERAL_KEYS.has(key)) out[key] = value;
    else if (NAME_MAP_KEYS.has(key) && value && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = Object.fromEntries(Object.entries(value as JsonObject).map(([name, sub]) => [name, convertNullable(sub)]));
    } else out[key] = convertNullable(value);
  }
  if (source.nullable !== true) return out;
  const combinator = out.$ref || out.allOf || out.anyOf || out.oneOf;
  if (typeof out.type === 'string' && !combinator) {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}

// Inline schemas under `paths` point at `#/components/...`; make those
// references absolute so they resolve against the document ajv holds.
function absolutizeRefs(node: unknown, base: string): unknown {
  if (Array.isArray(node)) return node.map((item) => absolutizeRefs(item, base));
  if (node === null || typeof node !== 'object') return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node as JsonObject)) {
    out[key] = key === '$ref' && typeof value === 'string' && value.startsWith('#') ? base + value : absolutizeRefs(value, base);
  }
  return out;
}

function createAjv(): Ajv {
  // Separate functions per referenced schema (inlineRefs: false) and no code
  // optimisation pass: compiling GitHub's large schemas is several times faster.
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    validateSchema: false,
    logger: false,
    inlineRefs: false,
    code: { optimize: false },
  });
  addFormats.default(ajv);
  // Formats GitHub's descriptions use that JSON Schema does not define.
  ajv.addFormat('repo.nwo', true);
  ajv.addFormat('timestamp', true);
  return ajv;
}

function describeErrors(errors: readonly ErrorObject[] | null | undefined, limit = 15): string[] {
  const unique = new Set<string>();
  for (const error of errors ?? []) {
    const detail =
      error.keyword === 'additionalProperties'
        ? ` (${String((error.params as { additionalProperty?: string }).additionalProperty)})`
        : error.keyword === 'enum'
          ? ` (${JSON.stringify((error.params as { allowedValues?: unknown }).allowedValues)})`
          : '';
    unique.add(`${error.instancePath || '/'} ${error.message ?? error.keyword}${detail}`);
    if (unique.size >= limit) break;
  }
  return [...unique];
}

/**
 * Places where GitHub's published description contradicts itself, with the
 * schema used instead. Keep this short and explained.
 */
const DESCRIPTION_FIXES: Record<string, { reason: string; schema: unknown }> = {
  // The inline item schema says account is `allOf [simple-user, enterprise]`
  // (both at once); the `installation` component, and GitHub's answers, say anyOf.
  'GET /app/installations 200': {
    reason: 'inline account schema uses allOf where the installation component uses anyOf',
    schema: { type: 'array', items: { $ref: '#/components/schemas/installation' } },
  },
};

interface OperationInfo {
  readonly operationId: string;
  readonly responses: JsonObject;
}

export interface OperationMatch {
  readonly method: string;
  readonly template: string;
  readonly operationId: string;
  readonly params: Record<string, string>;
}

/** GitHub's REST description (api.github.com flavour). */
export class RestConformance {
  private readonly table = new TemplateTable<Map<string, OperationInfo>>();
  private readonly ajv = createAjv();
  private readonly validators = new Map<string, ValidateFunction | null>();
  private readonly componentResponses: JsonObject;
  private static readonly base = 'https://sim.invalid/rest.json';

  constructor(doc: JsonObject) {
    const paths = doc.paths as Record<string, JsonObject>;
    for (const [template, item] of Object.entries(paths)) {
      const ops = new Map<string, OperationInfo>();
      for (const method of HTTP_METHODS) {
        const op = item[method] as JsonObject | undefined;
        if (op) ops.set(method.toUpperCase(), { operationId: String(op.operationId), responses: op.responses as JsonObject });
      }
      this.table.add(template, ops);
    }
    const components = doc.components as JsonObject;
    this.componentResponses = components.responses as JsonObject;
    this.ajv.addSchema({ $id: RestConformance.base, components: convertNullable({ schemas: components.schemas }) as object });
  }

  get routeCount(): number {
    return this.table.size;
  }

  /** Which documented operation a request would hit, or undefined when GitHub has no such route. */
  findOperation(method: string, path: string): OperationMatch | undefined {
    const upper = method.toUpperCase();
    for (const candidate of this.table.match(path)) {
      const op = candidate.value.get(upper === 'HEAD' ? 'GET' : upper);
      if (op) return { method: upper, template: candidate.template, operationId: op.operationId, params: candidate.params };
    }
    return undefined;
  }

  hasOperation(method: string, template: string): boolean {
    return this.table.match(template).some((m) => m.template === template && m.value.has(method.toUpperCase()));
  }

  operationId(method: string, template: string): string | undefined {
    return this.table.match(template).find((m) => m.template === template)?.value.get(method.toUpperCase())?.operationId;
  }

  /** Documented status codes for an operation. */
  documentedStatuses(method: string, template: string): string[] {
    const op = this.table.match(template).find((m) => m.template === template)?.value.get(method.toUpperCase());
    return op ? Object.keys(op.responses) : [];
  }

  validateResponse(method: string, template: string, status: number, body: unknown): SchemaCheck {
    const op = this.table.match(template).find((m) => m.template === template)?.value.get(method.toUpperCase());
    if (!op) return { ok: false, errors: [`${method.toUpperCase()} ${template} is not in GitHub's REST description`] };
    const key = `${method.toUpperCase()} ${template} ${status}`;
    let validator = this.validators.get(key);
    if (validator === undefined) {
      const documented = op.responses[String(status)] as JsonObject | undefined;
      if (!documented) {
        // Errors GitHub sends on any route (auth, rate limit) are not listed per route.
        if (status >= 400) return checkErrorShape(body);
        return { ok: false, errors: [`status ${status} is not documented for ${op.operationId} (documented: ${Object.keys(op.responses).join(', ')})`] };
      }
      const response = (typeof documented.$ref === 'string' ? this.componentResponses[documented.$ref.split('/').pop()!] : documented) as JsonObject;
      const content = response.content as Record<string, { schema?: unknown }> | undefined;
      const schema = DESCRIPTION_FIXES[key]?.schema ?? content?.['application/json']?.schema ?? Object.values(content ?? {})[0]?.schema;
      validator = schema ? this.ajv.compile(absolutizeRefs(convertNullable(schema), RestConformance.base) as object) : null;
      this.validators.set(key, validator);
    }
    if (validator === null) {
      const empty = body === undefined || body === null || body === '';
      return empty ? { ok: true, errors: [] } : { ok: false, errors: [`${key} documents no body, got one`] };
    }
    const ok = validator(body) as boolean;
    return { ok, errors: ok ? [] : describeErrors(validator.errors) };
  }
}

function checkErrorShape(body: unknown): SchemaCheck {
  const ok = typeof body === 'object' && body !== null && typeof (body as JsonObject).message === 'string';
  return { ok, errors: ok ? [] : ['error response lacks GitHub\'s {"message", "documentation_url"} shape'] };
}

/** GitHub's webhook payload descriptions. */
export class WebhookConformance {
  private readonly ajv = createAjv();
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly webhooks: Record<string, JsonObject>;
  private static readonly base = 'https://sim.invalid/webhooks.json';

  constructor(doc: JsonObject) {
    this.webhooks = doc.webhooks as Record<string, JsonObject>;
    const components = doc.components as JsonObject;
    this.ajv.addSchema({ $id: WebhookConformance.base, components: convertNullable({ schemas: components.schemas }) as object });
  }

  /** `pull_request` + `synchronize` -> `pull-request-synchronize`, as the description names them. */
  static key(event: string, action: string | undefined): string {
    const name = event.replace(/_/g, '-');
    return action ? `${name}-${action.replace(/_/g, '-')}` : name;
  }

  has(event: string, action?: string): boolean {
    return WebhookConformance.key(event, action) in this.webhooks;
  }

  keys(): string[] {
    return Object.keys(this.webhooks);
  }

  requiredHeaders(event: string, action?: string): string[] {
    const entry = this.webhooks[WebhookConformance.key(event, action)];
    const params = ((entry?.post as JsonObject | undefined)?.parameters ?? []) as { name: string; in: string; required?: boolean }[];
    return params.filter((p) => p.in === 'header' && p.required).map((p) => p.name);
  }

  validatePayload(event: string, payload: unknown): SchemaCheck {
    const action = typeof (payload as JsonObject | null)?.action === 'string' ? String((payload as JsonObject).action) : undefined;
    const key = WebhookConformance.key(event, action);
    let validator = this.validators.get(key);
    if (!validator) {
      const entry = this.webhooks[key];
      if (!entry) return { ok: false, errors: [`GitHub sends no "${event}" event with action "${action}"`] };
      const body = (entry.post as JsonObject).requestBody as JsonObject;
      const schema = (body.content as Record<string, { schema: unknown }>)['application/json']!.schema;
      validator = this.ajv.compile(absolutizeRefs(schema, WebhookConformance.base) as object);
      this.validators.set(key, validator);
    }
    const ok = validator(payload) as boolean;
    return { ok, errors: ok ? [] : describeErrors(validator.errors) };
  }

  /** Checks a delivery as a receiver sees it: the headers GitHub always sends, and the payload. */
  validateDelivery(headers: Record<string, string | string[] | undefined>, body: unknown): SchemaCheck {
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    const event = String(lower['x-github-event'] ?? '');
    const action = typeof (body as JsonObject | null)?.action === 'string' ? String((body as JsonObject).action) : undefined;
    const missing = this.requiredHeaders(event, action).filter((name) => !lower[name.toLowerCase()]);
    const payload = this.validatePayload(event, body);
    const errors = [...missing.map((name) => `missing header ${name}`), ...payload.errors];
    return { ok: errors.length === 0, errors };
  }
}

let restSingleton: RestConformance | undefined;
let webhookSingleton: WebhookConformance | undefined;

/** The REST description, parsed once per process. */
export function restConformance(): RestConformance {
  restSingleton ??= new RestConformance(readJson(REST_FILE));
  return restSingleton;
}

/** The webhooks description, parsed once per process. */
export function webhookConformance(): WebhookConformance {
  webhookSingleton ??= new WebhookConformance(readJson(WEBHOOKS_FILE));
  return webhookSingleton;
}

export interface TrafficProblem {
  readonly request: string;
  readonly problem: string;
}

/**
 * Checks recorded traffic: every request must name a route GitHub documents,
 * every response must match that route's schema, every GraphQL query must have
 * validated against GitHub's schema.
 */
export function checkRecordedTraffic(entries: readonly RecordedRequest[], rest: RestConformance = restConformance()): TrafficProblem[] {
  const problems: TrafficProblem[] = [];
  for (const entry of entries) {
    const label = `${entry.method} ${entry.path}${entry.query ? `?${entry.query}` : ''} -> ${entry.status}`;
    if (entry.path === '/graphql' || entry.path === '/api/graphql') {
      for (const message of entry.graphqlErrors ?? []) problems.push({ request: label, problem: `GraphQL: ${message}` });
      continue;
    }
    const op = rest.findOperation(entry.method, entry.path);
    if (!op) {
      problems.push({ request: label, problem: "no such route in GitHub's REST API" });
      continue;
    }
    // 304s have no body; raw media types (file bytes) have no JSON schema.
    if (entry.status === 304) continue;
    if (entry.contentType && !entry.contentType.startsWith('application/json')) continue;
    const check = rest.validateResponse(entry.method, op.template, entry.status, entry.responseBody);
    for (const error of check.errors) problems.push({ request: label, problem: `${op.operationId}: ${error}` });
  }
  return problems;
}

/** Throws with a readable list when recorded traffic strays from GitHub's API. */
export function assertConformingTraffic(entries: readonly RecordedRequest[]): void {
  const problems = checkRecordedTraffic(entries);
  if (problems.length === 0) return;
  const lines = problems.slice(0, 40).map((p) => `  ${p.request}: ${p.problem}`);
  throw new Error(`Traffic does not conform to GitHub's API description:\n${lines.join('\n')}`);
}
