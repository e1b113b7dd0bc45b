import { afterEach, describe, expect, it } from 'vitest';
import { askUser, fail, lastUserText, runShell, say, slow, startModelServer, writeFile, type ModelServer } from './model-server.js';

/** The scripted model server on its own, in each wire format, as the agents call it. */

let server: ModelServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function post(path: string, body: unknown): Promise<{ status: number; text: string; type: string }> {
  const response = await fetch(`${server!.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, text: await response.text(), type: response.headers.get('content-type') ?? '' };
}

/** The JSON payloads of an SSE stream, with their event names. */
function events(text: string): Array<{ event: string; data: any }> {
  return text
    .split('\n\n')
    .filter((block) => block.includes('data: '))
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? '';
      const data = /^data: (.*)$/m.exec(block)![1]!;
      return { event, data: data === '[DONE]' ? data : JSON.parse(data) };
    });
}

const anthropicTools = [
  { name: 'Bash', input_schema: { type: 'object', properties: { command: { type: 'string' }, description: { type: 'string' } } } },
  { name: 'Write', input_schema: { type: 'object', properties: { file_path: { type: 'string' }, content: { type: 'string' } } } },
  {
    name: 'AskUserQuestion',
    input_schema: {
      type: 'object',
      properties: { questions: { type: 'array', items: { type: 'object', properties: { question: {}, header: {}, options: {}, multiSelect: {} } } } },
    },
  },
];

describe('Anthropic Messages', () => {
  it('streams scripted turns to requests that carry the tools, and records them', async () => {
    server = await startModelServer({ script: [say('Hello there.'), runShell('ls -la', { description: 'List files' }), writeFile('/tmp/x.txt', 'x\n')] });
    const messages = [{ role: 'user', content: [{ type: 'text', text: 'Fix the bug' }] }];

    const first = await post('/v1/messages?beta=true', { model: 'm', stream: true, tools: anthropicTools, messages });
    expect(first.type).toContain('text/event-stream');
    const texts = events(first.text)
      .filter((e) => e.event === 'content_block_delta')
      .map((e) => e.data.delta.text)
      .join('');
    expect(texts).toBe('Hello there.');
    expect(events(first.text).find((e) => e.event === 'message_delta')!.data.delta.stop_reason).toBe('end_turn');

    const second = events((await post('/v1/messages', { model: 'm', stream: true, tools: anthropicTools, messages })).text);
    const start = second.find((e) => e.event === 'content_block_start')!.data.content_block;
    expect(start).toMatchObject({ type: 'tool_use', name: 'Bash' });
    expect(JSON.parse(second.find((e) => e.data.delta?.type === 'input_json_delta')!.data.delta.partial_json)).toEqual({ command: 'ls -la', description: 'List files' });
    expect(second.find((e) => e.event === 'message_delta')!.data.delta.stop_reason).toBe('tool_use');

    // Not streamed: one message.
    const third = JSON.parse((await post('/v1/messages', { model: 'm', tools: anthropicTools, messages })).text);
    expect(third.content[0]).toMatchObject({ type: 'tool_use', name: 'Write', input: { file_path: '/tmp/x.txt', content: 'x\n' } });

    expect(server.mainRequests().map((r) => r.turn?.type)).toEqual(['text', 'tool', 'tool']);
    expect(server.mainRequests()[1]!.callId).toBe(start.id);
    expect(lastUserText(server.requests[0]!)).toBe('Fix the bug');
    expect(server.remaining()).toBe(0);
  });

  it('answers side requests without using the script', async () => {
    server = await startModelServer({ script: [say('scripted')] });
    const count = JSON.parse((await post('/v1/messages/count_tokens', { messages: [{ role: 'user', content: 'hi' }], tools: anthropicTools })).text);
    expect(count.input_tokens).toBeGreaterThan(0);
    const title = JSON.parse((await post('/v1/messages', { model: 'small', messages: [{ role: 'user', content: 'Write a title' }] })).text);
    expect(title.content[0].type).toBe('text');
    const models = (await fetch(`${server.url}/v1/models`).then((r) => r.json())) as { data: Array<{ id: string }> };
    expect(models.data[0]?.id).toBe('scripted-model');
    expect(server.requests.map((r) => r.main)).toEqual([false, false, false]);
    expect(server.remaining()).toBe(1);
  });

  it('maps a question to AskUserQuestion, and an error repeats as often as asked', async () => {
    server = await startModelServer({ script: [askUser('Which one?', ['A', 'B'], 'Pick'), fail(529, 'Overloaded', 2), say('after')] });
    const body = { model: 'm', tools: anthropicTools, messages: [{ role: 'user', content: 'go' }] };
    const ask = JSON.parse((await post('/v1/messages', body)).text);
    expect(ask.content[0].input).toEqual({
      questions: [{ question: 'Which one?', header: 'Pick', options: [{ label: 'A', description: 'Choose A' }, { label: 'B', description: 'Choose B' }], multiSelect: false }],
    });
    for (let i = 0; i < 2; i++) {
      const error = await post('/v1/messages', body);
      expect(error.status).toBe(529);
      expect(JSON.parse(error.text).error).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
    }
    expect(JSON.parse((await post('/v1/messages', body)).text).content[0].text).toBe('after');
  });

  it('a slow turn holds the answer back for its delay', async () => {
    server = await startModelServer({ script: [slow(0.4, say('late'))] });
    const started = Date.now();
    const answer = await post('/v1/messages', { stream: true, tools: anthropicTools, messages: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    expect(answer.text).toContain('late');
  });
});

describe('OpenAI Responses', () => {
  const tools = [
    {
      type: 'function',
      name: 'exec_command',
      parameters: { type: 'object', properties: { cmd: { type: 'string' }, justification: { type: 'string' }, sandbox_permissions: { type: 'string' } } },
    },
  ];

  it('streams a function call with the sandbox escalation Codex asks about, and a message', async () => {
    server = await startModelServer({ script: [runShell('make test', { description: 'Run the tests' }), runShell('ls', { escalate: false }), say('Done.')] });
    const input = [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Run the tests' }] }];
    const call = events((await post('/v1/responses', { model: 'm', stream: true, tools, input })).text);
    const item = call.find((e) => e.event === 'response.output_item.done')!.data.item;
    expect(item).toMatchObject({ type: 'function_call', name: 'exec_command' });
    expect(JSON.parse(item.arguments)).toEqual({ cmd: 'make test', sandbox_permissions: 'require_escalated', justification: 'Run the tests' });
    expect(call.at(-1)!.event).toBe('response.completed');
    expect(call.at(-1)!.data.response.usage.total_tokens).toBeGreaterThan(0);

    const plain = events((await post('/v1/responses', { model: 'm', stream: true, tools, input })).text);
    expect(JSON.parse(plain.find((e) => e.event === 'response.output_item.done')!.data.item.arguments)).toEqual({ cmd: 'ls' });

    const message = events((await post('/v1/responses', { model: 'm', stream: true, tools, input })).text);
    expect(message.filter((e) => e.event === 'response.output_text.delta').map((e) => e.data.delta).join('')).toBe('Done.');
    expect(lastUserText(server.mainRequests()[0]!)).toBe('Run the tests');
  });

  it('a side request with an output schema gets JSON that fits it', async () => {
    server = await startModelServer();
    const format = { type: 'json_schema', schema: { type: 'object', properties: { title: { type: 'string' } }, required: ['title'] } };
    const answer = events((await post('/v1/responses', { model: 'm', stream: true, tools: [], text: { format }, input: [] })).text);
    const text = answer.filter((e) => e.event === 'response.output_text.delta').map((e) => e.data.delta).join('');
    expect(JSON.parse(text)).toEqual({ title: 'Scripted' });
    expect(server.mainRequests()).toEqual([]);
  });
});

describe('OpenAI Chat Completions', () => {
  const tools = [
    { type: 'function', function: { name: 'bash', parameters: { type: 'object', properties: { command: { type: 'string' }, description: { type: 'string' } } } } },
    { type: 'function', function: { name: 'question', parameters: { type: 'object', properties: { questions: { type: 'array', items: { properties: { question: {}, header: {}, options: {}, multiple: {} } } } } } } },
  ];

  it('streams tool calls and text in chunks ending with [DONE]', async () => {
    server = await startModelServer({ script: [runShell('npm test'), askUser('Which?', ['X', 'Y']), say('ok')] });
    const messages = [{ role: 'user', content: 'test it' }];
    const call = events((await post('/v1/chat/completions', { model: 'm', stream: true, tools, messages })).text);
    expect(call.at(-1)!.data).toBe('[DONE]');
    const toolCall = call.find((e) => e.data.choices?.[0]?.delta?.tool_calls)!.data.choices[0].delta.tool_calls[0];
    expect(toolCall.function.name).toBe('bash');
    expect(JSON.parse(toolCall.function.arguments)).toEqual({ command: 'npm test', description: 'Run a command' });
    expect(call.at(-2)!.data.choices[0].finish_reason).toBe('tool_calls');

    const ask = JSON.parse((await post('/v1/chat/completions', { model: 'm', tools, messages })).text);
    expect(JSON.parse(ask.choices[0].message.tool_calls[0].function.arguments).questions[0]).toMatchObject({ question: 'Which?', multiple: false });

    const text = events((await post('/v1/chat/completions', { model: 'm', stream: true, tools, messages })).text);
    expect(
      text
        .filter((e) => e.data !== '[DONE]')
        .map((e) => e.data.choices[0].delta.content ?? '')
        .join(''),
    ).toBe('ok');
    expect(lastUserText(server.mainRequests()[0]!)).toBe('test it');
  });

  it('a question with no ask tool comes as text', async () => {
    server = await startModelServer({ script: [askUser('Which?', ['X', 'Y'])] });
    const answer = JSON.parse((await post('/v1/chat/completions', { model: 'm', tools: [tools[0]], messages: [] })).text);
    expect(answer.choices[0].message.content).toBe('Which?\n1. X\n2. Y');
  });
});

describe('Gemini', () => {
  const tools = [{ functionDeclarations: [{ name: 'run_shell_command', parametersJsonSchema: { type: 'object', properties: { command: { type: 'string' }, description: { type: 'string' } } } }] }];

  it('streams a function call, counts tokens and answers its side checks', async () => {
    server = await startModelServer({ script: [runShell('git status'), fail(400, 'bad request')] });
    const contents = [{ role: 'user', parts: [{ text: 'status?' }] }];
    const stream = events((await post('/v1beta/models/gemini-x:streamGenerateContent?alt=sse', { contents, tools })).text);
    expect(stream[0]!.data.candidates[0].content.parts[0].functionCall).toMatchObject({ name: 'run_shell_command', args: { command: 'git status', description: 'Run a command' } });

    const count = JSON.parse((await post('/v1beta/models/gemini-x:countTokens', { contents })).text);
    expect(count.totalTokens).toBeGreaterThan(0);
    const schema = { type: 'OBJECT', properties: { complexity_score: { type: 'INTEGER' }, complexity_reasoning: { type: 'STRING' } }, required: ['complexity_reasoning', 'complexity_score'] };
    const side = JSON.parse((await post('/v1beta/models/lite:generateContent', { contents, generationConfig: { responseMimeType: 'application/json', responseJsonSchema: schema } })).text);
    expect(JSON.parse(side.candidates[0].content.parts[0].text)).toEqual({ complexity_reasoning: 'Scripted', complexity_score: 0 });

    const error = await post('/v1beta/models/gemini-x:streamGenerateContent?alt=sse', { contents, tools });
    expect(error.status).toBe(400);
    expect(JSON.parse(error.text).error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect(server.mainRequests()).toHaveLength(2);
    expect(lastUserText(server.mainRequests()[0]!)).toBe('status?');
  });
});

describe('waiting for requests', () => {
  it('resolves with the first matching request, or fails naming what came', async () => {
    server = await startModelServer();
    const waiting = server.waitForRequest((r) => r.url.includes('count_tokens'), 5_000);
    await post('/v1/messages/count_tokens', {});
    expect((await waiting).method).toBe('POST');
    await expect(server.waitForRequest((r) => r.url === '/never', 100)).rejects.toThrow(/no matching request within 100 ms \(1 requests: POST \/v1\/messages\/count_tokens\)/);
  });
});
