import { opencode } from './agents.js';
import { describeAoSequence } from './sequence.js';

const story = { permissionQuestion: /Permission required/, hooks: true };

// OpenCode has no hooks ao installs: the screen alone tells, over SSH and on the local host.
describeAoSequence(opencode, 'ssh', story);
describeAoSequence(opencode, 'local', story);
