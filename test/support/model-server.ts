// The scripted model server lives with the sandbox (src/sandbox), where an operator can run it too.
export * from '../../src/sandbox/model-server.js';
