import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scripted model server for driving real coding agents offline.
 *
 * It listens on 127.0.0.1 and speaks the wire formats the agents use:
 *   - Anthropic Messages (`POST /v1/messages`, streaming or not, and
 *     `/v1/messages/count_tokens`): Claude Code with ANTHROPIC_BASE_URL;
 *   - OpenAI Responses (`POST /v1/responses`, streaming): Codex with a
 *     custom model provider;
 *   - OpenAI Chat Completions (`POST /v1/chat/completions`, streaming or
 *     not): OpenCode with an OpenAI-compatible provider;
 *   - Gemini (`POST /v1beta/models/<m>:streamGenerateContent`,
 *     `:generateContent`, `:countTokens`): Gemini CLI with a base URL.
 *
 * Requests that carry the agent's tools are the conversation ("main"
 * requests): each is answered by the next turn of the test's script. The
 * rest (titles, token counts, model lists, checks the agent runs on the side)
 * get a short neutral answer, so they never eat a scripted turn. Every
 * request is recorded.
 */

/** A tool call, written once and mapped to each agent's own tool names and argument schemas. */
export type ToolCall =
  | {
      kind: 'shell';
      command: string;
      description?: string;
      /**
       * Ask to run outside the agent's sandbox, where the agent has one (Codex's
       * `sandbox_permissions: "require_escalated"` with a justification): that
       * is the call Codex asks the user about. Default true.
       */
      escalate?: boolean;
    }
  | { kind: 'write'; path: string; content: string }
  /** A multiple-choice question through the agent's ask-the-user tool; plain text where it has none. */
  | { kind: 'ask'; question: string; header: string; options: string[] }
  | { kind: 'raw'; name: string; input: Record<string, unknown> };

export type Turn = {
  /** Wait this long (after sending response headers) before answering: the agent is busy meanwhile. */
  delayMs?: number;
} & (
  | { type: 'text'; text: string }
  | { type: 'tool'; call: ToolCall; text?: string }
  | {
      type: 'error';
      status: number;
      message: string;
      /** Answer this many main requests with the error (an agent's retries), default 1; Infinity for every one. */
      times?: number;
    }
);

/** A turn, or a function choosing one from the request (e.g. to echo what the agent sent). */
export type ScriptStep = Turn | ((request: RecordedRequest) => Turn);

export const say = (text: string): Turn => ({ type: 'text', text });
/** A plain text turn that ends with a question to the user. */
export const askInText = (question: string): Turn => ({ type: 'text', text: question });
/** A question through the agent's own ask-the-user tool (AskUserQuestion, ask_user, question), as a menu of options. */
export const askUser = (question: string, options: string[], header = 'Question'): Turn => ({ type: 'tool', call: { kind: 'ask', question, header, options } });
export const runShell = (command: string, options: { description?: string; escalate?: boolean } = {}): Turn => ({
  type: 'tool',
  call: { kind: 'shell', command, description: options.description ?? 'Run a command', escalate: options.escalate ?? true },
});
export const writeFile = (path: string, content: string): Turn => ({ type: 'tool', call: { kind: 'write', path, content } });
export const slow = (seconds: number, turn: Turn): Turn => ({ ...turn, delayMs: seconds * 1000 });
export const fail = (status: number, message: string, times = 1): Turn => ({ type: 'error', status, message, times });

export type WireApi = 'anthropic' | 'openai-responses' | 'openai-chat' | 'gemini' | 'other';

export interface RecordedRequest {
  /** Order of arrival, from 1. */
  seq: number;
  at: number;
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
  api: WireApi;
  /** A conversation request (it carries the agent's tools), answered from the script. */
  main: boolean;
  /** Names of the tools the agent offered the model. */
  tools: string[];
  /** The turn that answered it (main requests). */
  turn?: Turn;
  /** Id of the tool call in the answer, when the turn was a tool call (the agent's result carries it back). */
  callId?: string;
}

export interface ModelServer {
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Replace what is left of the script. */
  script(steps: ScriptStep[]): void;
  /** Append turns to the script. */
  push(...steps: ScriptStep[]): void;
  /** Turns not yet used. */
  remaining(): number;
  /** The main requests so far. */
  mainRequests(): RecordedRequest[];
  /** Wait until some request satisfies `predicate`; returns it. */
  waitForRequest(predicate: (request: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;
  close(): Promise<void>;
}

export interface ModelServerOptions {
  script?: ScriptStep[];
  /** What a main request gets when the script is used up (default: a short text turn). */
  whenExhausted?: Turn;
  /** Model name reported in model lists and responses. */
  model?: string;
  /** Port on 127.0.0.1 (default: any free one). */
  port?: number;
}

const DEFAULT_MODEL = 'scripted-model';

export async function startModelServer(options: ModelServerOptions = {}): Promise<ModelServer> {
  const queue: ScriptStep[] = [...(options.script ?? [])];
  const requests: RecordedRequest[] = [];
  const waiters = new Set<() => void>();
  const model = options.model ?? DEFAULT_MODEL;
  const whenExhausted = options.whenExhausted ?? say('(the script has no more turns)');
  const sockets = new Set<import('node:net').Socket>();
  let ids = 0;
  const nextId = (prefix: string) => `${prefix}_${(++ids).toString().padStart(6, '0')}`;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      if (text !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
      }
      const url = req.url ?? '/';
      const api = wireApi(url);
      const tools = toolNames(api, body);
      const record: RecordedRequest = {
        seq: requests.length + 1,
        at: Date.now(),
        method: req.method ?? 'GET',
        url,
        headers: req.headers,
        body,
        api,
        main: isMain(api, url, body, tools),
        tools,
      };
      if (record.main) {
        const step = queue[0];
        const turn = step === undefined ? whenExhausted : typeof step === 'function' ? step(record) : step;
        // An error that repeats stays at the head of the script until it has been sent `times` times.
        if (turn.type === 'error' && (turn.times ?? 1) > 1 && step !== undefined) {
          queue[0] = { ...turn, times: (turn.times ?? 1) - 1 };
        } else if (step !== undefined) {
          queue.shift();
        }
        record.turn = turn;
      }
      requests.push(record);
      for (const wake of [...waiters]) wake();
      respond(record, res).catch(() => res.destroy());
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function respond(request: RecordedRequest, res: http.ServerResponse): Promise<void> {
    const { url, method, api, body } = request;
    const path = url.split('?')[0]!;
    if (method === 'HEAD' || method === 'OPTIONS') return void res.writeHead(200).end();
    if (method === 'GET' && /\/models\/?$/.test(path)) return json(res, 200, modelList(api, path, model));
    if (method === 'GET' && /\/models\/[^/]+$/.test(path)) return json(res, 200, { id: model, name: `models/${model}`, object: 'model', created: 0, owned_by: 'scripted', type: 'model', display_name: model });
    if (method !== 'POST') return json(res, 404, { error: { type: 'not_found_error', message: `no such endpoint: ${method} ${path}` } });

    if (api === 'anthropic' && path.endsWith('/count_tokens')) return json(res, 200, { input_tokens: estimateTokens(body) });
    if (api === 'gemini' && path.endsWith(':countTokens')) return json(res, 200, { totalTokens: estimateTokens(body) });

    const turn = request.turn ?? sideTurn(api, body);
    const stream = isStreaming(api, path, body);
    if (turn.delayMs && turn.delayMs > 0) {
      if (stream && turn.type !== 'error') {
        // Headers now, answer later: like a model that takes its time to think.
        res.writeHead(200, sseHeaders());
        // Anthropic streams have a keep-alive event; the other formats get nothing until the answer.
        if (api === 'anthropic') res.write(sse('ping', { type: 'ping' }));
        else res.flushHeaders();
      }
      await sleep(turn.delayMs, res);
      if (res.destroyed) return;
    }
    if (turn.type === 'error') return json(res, turn.status, errorBody(api, turn.status, turn.message));
    const reply = materialise(api, turn, request, nextId);
    if (reply.call) request.callId = reply.call.id;
    switch (api) {
      case 'anthropic':
        return stream ? sendSse(res, anthropicEvents(reply, model, nextId)) : json(res, 200, anthropicMessage(reply, model, nextId));
      case 'openai-responses':
        return stream ? sendSse(res, responsesEvents(reply, model, nextId)) : json(res, 200, responsesObject(reply, model, nextId('resp')));
      case 'openai-chat':
        return stream ? sendSse(res, chatEvents(reply, model, nextId), true) : json(res, 200, chatObject(reply, model, nextId('chatcmpl')));
      case 'gemini':
        return stream ? sendSse(res, [['', geminiChunk(reply)]]) : json(res, 200, geminiChunk(reply));
      default:
        return json(res, 404, { error: { message: `no such endpoint: ${path}` } });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    script(steps) {
      queue.splice(0, queue.length, ...steps);
    },
    push(...steps) {
      queue.push(...steps);
    },
    remaining: () => queue.length,
    mainRequests: () => requests.filter((r) => r.main),
    waitForRequest(predicate, timeoutMs = 30_000) {
      const found = requests.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const wake = () => {
          const hit = requests.find(predicate);
          if (!hit) return;
          cleanup();
          resolve(hit);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`model server: no matching request within ${timeoutMs} ms (${requests.length} requests: ${requests.map((r) => `${r.method} ${r.url}${r.main ? ' [main]' : ''}`).join(', ')})`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(wake);
        };
        waiters.add(wake);
      });
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------
// Recognising requests

function wireApi(url: string): WireApi {
  const path = url.split('?')[0]!;
  if (/\/messages(?:\/count_tokens)?$/.test(path)) return 'anthropic';
  if (/\/responses$/.test(path)) return 'openai-responses';
  if (/\/chat\/completions$/.test(path)) return 'openai-chat';
  if (/\/models\/[^/]+:(?:stream)?[gG]enerateContent$|:countTokens$/.test(path) || path.startsWith('/v1beta') || path.startsWith('/v1alpha')) return 'gemini';
  return 'other';
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function toolNames(api: WireApi, body: unknown): string[] {
  if (!isObject(body)) return [];
  if (api === 'gemini') {
    const tools = Array.isArray(body.tools) ? body.tools : [];
    return tools.flatMap((tool) => (isObject(tool) && Array.isArray(tool.functionDeclarations) ? tool.functionDeclarations : [])).flatMap((d) => (isObject(d) && typeof d.name === 'string' ? [d.name] : []));
  }
  const tools = Array.isArray(body.tools) ? body.tools : [];
  return tools.flatMap((tool) => {
    if (!isObject(tool)) return [];
    if (typeof tool.name === 'string') return [tool.name];
    if (isObject(tool.function) && typeof tool.function.name === 'string') return [tool.function.name];
    if (typeof tool.type === 'string') return [tool.type];
    return [];
  });
}

/** The conversation: a generation request that offers the agent's shell tool. */
function isMain(api: WireApi, url: string, body: unknown, tools: string[]): boolean {
  if (api === 'other' || !isObject(body)) return false;
  const path = url.split('?')[0]!;
  if (path.endsWith('/count_tokens') || path.endsWith(':countTokens')) return false;
  return tools.some((name) => SHELL_TOOLS.includes(name));
}

function isStreaming(api: WireApi, path: string, body: unknown): boolean {
  if (api === 'gemini') return path.includes(':streamGenerateContent');
  return isObject(body) && body.stream === true;
}

function estimateTokens(body: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(body ?? '').length / 4));
}

/** What a side request gets: short, neutral, in the shape its caller most likely parses. */
function sideTurn(api: WireApi, body: unknown): Turn {
  const text = JSON.stringify(body ?? '');
  // Gemini CLI asks on the side who speaks next and whether a reply is complete, as JSON.
  if (api === 'gemini' && /next_speaker/.test(text)) return say(JSON.stringify({ reasoning: 'The model answered; the user speaks next.', next_speaker: 'user' }));
  const schema = outputSchema(body);
  if (schema) return say(JSON.stringify(sampleOf(schema)));
  if (isObject(body) && isObject(body.generationConfig) && body.generationConfig.responseMimeType === 'application/json') return say('{}');
  if (/\bisNewTopic\b/.test(text)) return say(JSON.stringify({ isNewTopic: false, title: null }));
  if (/\btitle\b/i.test(text)) return say('Scripted session');
  return say('OK');
}

/** The JSON schema a request asks its answer to follow, if any (Responses `text.format`, Chat `response_format`, Gemini `responseSchema`). */
function outputSchema(body: unknown): Json | undefined {
  if (!isObject(body)) return undefined;
  if (isObject(body.text) && isObject(body.text.format) && isObject(body.text.format.schema)) return body.text.format.schema;
  if (isObject(body.response_format) && isObject(body.response_format.json_schema) && isObject(body.response_format.json_schema.schema)) return body.response_format.json_schema.schema;
  if (isObject(body.generationConfig)) {
    const config = body.generationConfig;
    const schema = config.responseJsonSchema ?? config.responseSchema;
    if (isObject(schema)) return schema;
  }
  return undefined;
}

/** A small value that satisfies a JSON schema: enough for an agent's side request to parse. */
function sampleOf(schema: unknown): unknown {
  if (!isObject(schema)) return null;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (typeof type === 'string' ? type.toLowerCase() : undefined) {
    case 'object': {
      const out: Json = {};
      const props = properties(schema);
      const required = Array.isArray(schema.required) ? (schema.required as string[]) : Object.keys(props);
      for (const key of required) out[key] = sampleOf(props[key]);
      return out;
    }
    case 'array':
      return [];
    case 'string':
      return 'Scripted';
    case 'number':
    case 'integer':
      return 0;
    case 'boolean':
      return false;
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------
// Mapping a scripted tool call to the agent's own tool

const SHELL_TOOLS = ['Bash', 'bash', 'shell', 'shell_command', 'exec_command', 'run_shell_command', 'local_shell'];
const WRITE_TOOLS = ['Write', 'write', 'write_file'];
// (Codex offers request_user_input too, but refuses it outside Plan mode: it gets the question as text.)
const ASK_TOOLS = ['AskUserQuestion', 'ask_user', 'question'];

interface Reply {
  text?: string;
  call?: { id: string; name: string; input: Record<string, unknown>; custom?: string };
}

/** The JSON schema of the tool `name` in the request, as each wire format nests it. */
function toolSchema(api: WireApi, body: unknown, name: string): Json | undefined {
  if (!isObject(body)) return undefined;
  const tools = Array.isArray(body.tools) ? body.tools : [];
  if (api === 'gemini') {
    for (const tool of tools) {
      if (!isObject(tool) || !Array.isArray(tool.functionDeclarations)) continue;
      for (const d of tool.functionDeclarations) {
        if (isObject(d) && d.name === name) return (d.parametersJsonSchema ?? d.parameters) as Json | undefined;
      }
    }
    return undefined;
  }
  for (const tool of tools) {
    if (!isObject(tool)) continue;
    if (tool.name === name) return (tool.input_schema ?? tool.parameters) as Json | undefined;
    if (isObject(tool.function) && tool.function.name === name) return tool.function.parameters as Json | undefined;
  }
  return undefined;
}

function properties(schema: Json | undefined): Json {
  return isObject(schema) && isObject(schema.properties) ? schema.properties : {};
}

function pick(props: Json, candidates: string[]): string | undefined {
  return candidates.find((name) => name in props);
}

function materialise(api: WireApi, turn: Turn, request: RecordedRequest, nextId: (prefix: string) => string): Reply {
  if (turn.type === 'text') return { text: turn.text };
  if (turn.type !== 'tool') return {};
  const call = turn.call;
  const id = api === 'anthropic' ? nextId('toolu') : nextId('call');
  if (call.kind === 'raw') return { text: turn.text, call: { id, name: call.name, input: call.input } };

  if (call.kind === 'ask') {
    const name = ASK_TOOLS.find((n) => request.tools.includes(n));
    if (!name) return { text: `${turn.text ? `${turn.text}\n\n` : ''}${call.question}\n${call.options.map((o, i) => `${i + 1}. ${o}`).join('\n')}` };
    const props = properties(toolSchema(api, request.body, name));
    const questionsSchema = props.questions;
    const itemProps = properties(isObject(questionsSchema) ? (questionsSchema.items as Json | undefined) : undefined);
    const item: Json = { question: call.question, header: call.header, options: call.options.map((label) => ({ label, description: `Choose ${label}` })) };
    if ('multiSelect' in itemProps) item.multiSelect = false;
    if ('multiple' in itemProps) item.multiple = false;
    if ('type' in itemProps) item.type = 'choice';
    if ('id' in itemProps) item.id = 'q1';
    return { text: turn.text, call: { id, name, input: { questions: [item] } } };
  }

  if (call.kind === 'write') {
    const name = WRITE_TOOLS.find((n) => request.tools.includes(n));
    if (name) {
      const props = properties(toolSchema(api, request.body, name));
      const input: Record<string, unknown> = {};
      input[pick(props, ['file_path', 'filePath', 'path', 'absolute_path']) ?? 'file_path'] = call.path;
      input[pick(props, ['content', 'contents', 'text']) ?? 'content'] = call.content;
      return { text: turn.text, call: { id, name, input } };
    }
    // No write tool (Codex): write it with the shell.
    const marker = 'AO_SCRIPTED_EOF';
    return materialise(api, { ...turn, call: { kind: 'shell', command: `cat > '${call.path}' <<'${marker}'\n${call.content}\n${marker}`, description: `Write ${call.path}` } }, request, nextId);
  }

  const name = SHELL_TOOLS.find((n) => request.tools.includes(n));
  if (!name) return { text: `(scripted: no shell tool among ${request.tools.join(', ')})` };
  const props = properties(toolSchema(api, request.body, name));
  const input: Record<string, unknown> = {};
  const commandKey = pick(props, ['command', 'cmd']) ?? 'command';
  const commandSchema = props[commandKey];
  input[commandKey] = isObject(commandSchema) && commandSchema.type === 'array' ? ['bash', '-lc', call.command] : call.command;
  if ('description' in props && call.description) input.description = call.description;
  if ('sandbox_permissions' in props && call.escalate !== false) {
    input.sandbox_permissions = 'require_escalated';
    if ('justification' in props) input.justification = call.description ?? `Run ${call.command}`;
  }
  return { text: turn.text, call: { id, name, input } };
}

// ---------------------------------------------------------------------------
// Wire formats

type SseEvent = [event: string, data: unknown];

function sseHeaders(): http.OutgoingHttpHeaders {
  return { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' };
}

function sse(event: string, data: unknown): string {
  return `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

function sendSse(res: http.ServerResponse, events: SseEvent[], done = false): void {
  if (!res.headersSent) res.writeHead(200, sseHeaders());
  for (const [event, data] of events) res.write(sse(event, data));
  if (done) res.write('data: [DONE]\n\n');
  res.end();
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    // Headers already went out for a slow stream: report the error in the stream.
    res.end(sse('error', body));
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sleep(ms: number, res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    res.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function errorBody(api: WireApi, status: number, message: string): unknown {
  if (api === 'anthropic') {
    const type = status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : status === 401 ? 'authentication_error' : status === 403 ? 'permission_error' : status >= 500 ? 'api_error' : 'invalid_request_error';
    return { type: 'error', error: { type, message } };
  }
  if (api === 'gemini') {
    const statusName = status === 429 ? 'RESOURCE_EXHAUSTED' : status === 401 ? 'UNAUTHENTICATED' : status === 403 ? 'PERMISSION_DENIED' : status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT';
    return { error: { code: status, message, status: statusName } };
  }
  return { error: { message, type: status === 429 ? 'rate_limit_exceeded' : 'invalid_request_error', code: null, param: null } };
}

function modelList(api: WireApi, path: string, model: string): unknown {
  if (path.startsWith('/v1beta') || api === 'gemini') return { models: [{ name: `models/${model}`, displayName: model, supportedGenerationMethods: ['generateContent', 'countTokens'] }] };
  return {
    object: 'list',
    // Both shapes at once: OpenAI ({id, object}) and Anthropic ({id, type, display_name}).
    data: [{ id: model, object: 'model', created: 0, owned_by: 'scripted', type: 'model', display_name: model, created_at: '2025-01-01T00:00:00Z' }],
    has_more: false,
    first_id: model,
    last_id: model,
    models: [],
  };
}

const USAGE = { input_tokens: 100, output_tokens: 20 };

function anthropicContent(reply: Reply): Json[] {
  const content: Json[] = [];
  if (reply.text !== undefined) content.push({ type: 'text', text: reply.text });
  if (reply.call) content.push({ type: 'tool_use', id: reply.call.id, name: reply.call.name, input: reply.call.input });
  return content;
}

function anthropicMessage(reply: Reply, model: string, nextId: (prefix: string) => string): Json {
  return {
    id: nextId('msg'),
    type: 'message',
    role: 'assistant',
    model,
    content: anthropicContent(reply),
    stop_reason: reply.call ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: USAGE,
  };
}

function anthropicEvents(reply: Reply, model: string, nextId: (prefix: string) => string): SseEvent[] {
  const events: SseEvent[] = [
    ['message_start', { type: 'message_start', message: { id: nextId('msg'), type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: USAGE.input_tokens, output_tokens: 1 } } }],
  ];
  let index = 0;
  if (reply.text !== undefined) {
    events.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }]);
    for (const piece of pieces(reply.text)) events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } }]);
    events.push(['content_block_stop', { type: 'content_block_stop', index }]);
    index++;
  }
  if (reply.call) {
    events.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: reply.call.id, name: reply.call.name, input: {} } }]);
    events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(reply.call.input) } }]);
    events.push(['content_block_stop', { type: 'content_block_stop', index }]);
  }
  events.push(['message_delta', { type: 'message_delta', delta: { stop_reason: reply.call ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: USAGE.output_tokens } }]);
  events.push(['message_stop', { type: 'message_stop' }]);
  return events;
}

/** Text in a few deltas, as a model streams it. */
function pieces(text: string): string[] {
  const words = text.split(/(?<=\s)/);
  const out: string[] = [];
  for (let i = 0; i < words.length; i += 4) out.push(words.slice(i, i + 4).join(''));
  return out.length > 0 ? out : [''];
}

function responsesItems(reply: Reply, nextId: (prefix: string) => string): Json[] {
  const items: Json[] = [];
  if (reply.text !== undefined) {
    items.push({ type: 'message', id: nextId('msg'), status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: reply.text, annotations: [] }] });
  }
  if (reply.call) {
    if (reply.call.custom !== undefined) {
      items.push({ type: 'custom_tool_call', id: nextId('ctc'), status: 'completed', call_id: reply.call.id, name: reply.call.name, input: reply.call.custom });
    } else {
      items.push({ type: 'function_call', id: nextId('fc'), status: 'completed', call_id: reply.call.id, name: reply.call.name, arguments: JSON.stringify(reply.call.input) });
    }
  }
  return items;
}

const RESPONSES_USAGE = { input_tokens: 100, input_tokens_details: { cached_tokens: 0 }, output_tokens: 20, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 120 };

function responsesObject(reply: Reply, model: string, id: string, items?: Json[]): Json {
  const output = items ?? responsesItems(reply, (p) => `${p}_${id}`);
  return { id, object: 'response', created_at: Math.floor(Date.now() / 1000), status: 'completed', model, output, usage: RESPONSES_USAGE };
}

function responsesEvents(reply: Reply, model: string, nextId: (prefix: string) => string): SseEvent[] {
  const id = nextId('resp');
  const items = responsesItems(reply, nextId);
  const events: SseEvent[] = [['response.created', { type: 'response.created', response: { id, object: 'response', status: 'in_progress', model, output: [] } }]];
  items.forEach((item, outputIndex) => {
    if (item.type === 'message') {
      const text = ((item.content as Json[])[0]!.text as string) ?? '';
      events.push(['response.output_item.added', { type: 'response.output_item.added', output_index: outputIndex, item: { ...item, status: 'in_progress', content: [] } }]);
      for (const piece of pieces(text)) {
        events.push(['response.output_text.delta', { type: 'response.output_text.delta', item_id: item.id, output_index: outputIndex, content_index: 0, delta: piece }]);
      }
    } else {
      events.push(['response.output_item.added', { type: 'response.output_item.added', output_index: outputIndex, item }]);
    }
    events.push(['response.output_item.done', { type: 'response.output_item.done', output_index: outputIndex, item }]);
  });
  events.push(['response.completed', { type: 'response.completed', response: responsesObject(reply, model, id, items) }]);
  return events.map(([event, data]) => [event, data]);
}

const CHAT_USAGE = { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 };

function chatObject(reply: Reply, model: string, id: string): Json {
  const message: Json = { role: 'assistant', content: reply.text ?? null };
  if (reply.call) message.tool_calls = [{ id: reply.call.id, type: 'function', function: { name: reply.call.name, arguments: JSON.stringify(reply.call.input) } }];
  return { id, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model, choices: [{ index: 0, message, finish_reason: reply.call ? 'tool_calls' : 'stop' }], usage: CHAT_USAGE };
}

function chatEvents(reply: Reply, model: string, nextId: (prefix: string) => string): SseEvent[] {
  const id = nextId('chatcmpl');
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: Json, finish: string | null, usage?: Json): SseEvent => ['', { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) }];
  const events: SseEvent[] = [chunk({ role: 'assistant', content: '' }, null)];
  if (reply.text !== undefined) for (const piece of pieces(reply.text)) events.push(chunk({ content: piece }, null));
  if (reply.call) {
    events.push(chunk({ tool_calls: [{ index: 0, id: reply.call.id, type: 'function', function: { name: reply.call.name, arguments: JSON.stringify(reply.call.input) } }] }, null));
  }
  events.push(chunk({}, reply.call ? 'tool_calls' : 'stop', CHAT_USAGE));
  return events;
}

function geminiChunk(reply: Reply): Json {
  const parts: Json[] = [];
  if (reply.text !== undefined) parts.push({ text: reply.text });
  if (reply.call) parts.push({ functionCall: { id: reply.call.id, name: reply.call.name, args: reply.call.input } });
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 100, candidatesTokenCount: 20, totalTokenCount: 120 },
    modelVersion: DEFAULT_MODEL,
  };
}

// ---------------------------------------------------------------------------
// Reading what the agent was told

/** The text of the last user message of a recorded request (prompt or tool result), in any of the wire formats. */
export function lastUserText(request: RecordedRequest): string {
  const body = request.body;
  if (!isObject(body)) return '';
  const flatten = (value: unknown): string => {
    if (typeof value === 'string') return value;
    if (Array.isArray(value)) return value.map(flatten).join('\n');
    if (!isObject(value)) return '';
    if (typeof value.text === 'string') return value.text;
    if (value.content !== undefined) return flatten(value.content);
    if (typeof value.output === 'string') return value.output;
    if (isObject(value.functionResponse)) return JSON.stringify(value.functionResponse.response);
    if (value.parts !== undefined) return flatten(value.parts);
    return '';
  };
  if (request.api === 'gemini') {
    const contents = Array.isArray(body.contents) ? body.contents : [];
    const last = [...contents].reverse().find((c) => isObject(c) && c.role === 'user');
    return last ? flatten((last as Json).parts) : '';
  }
  if (request.api === 'openai-responses') {
    const input = Array.isArray(body.input) ? body.input : [];
    const last = [...input].reverse().find((item) => isObject(item) && (item.role === 'user' || item.type === 'function_call_output' || item.type === 'custom_tool_call_output'));
    return last ? flatten(last) : '';
  }
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last = [...messages].reverse().find((m) => isObject(m) && (m.role === 'user' || m.role === 'tool'));
  return last ? flatten(last) : '';
}

/** Everything the request says, as text: for asserting that a prompt or a tool's output reached the model. */
export function requestText(request: RecordedRequest): string {
  return typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
}
