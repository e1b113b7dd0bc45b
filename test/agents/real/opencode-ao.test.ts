import { opencode } from './agents.js';
import { describeAoSequence } from './sequence.js';

// Over SSH; OpenCode has no hooks ao installs: the screen alone tells.
describeAoSequence(opencode, 'ssh', { permissionQuestion: /Permission required/, hooks: true });
