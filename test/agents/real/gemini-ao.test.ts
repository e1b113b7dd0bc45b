import { gemini } from './agents.js';
import { describeAoSequence } from './sequence.js';

// Over SSH; Gemini CLI has no hooks ao installs: the screen alone tells.
describeAoSequence(gemini, 'ssh', { permissionQuestion: /Allow execution of/, hooks: true });
