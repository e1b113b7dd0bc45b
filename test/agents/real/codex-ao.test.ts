import { codex } from './agents.js';
import { describeAoSequence } from './sequence.js';

const story = { permissionQuestion: /Would you like to run the following command\?/ };

// Over SSH, with ao's notify hook: turn ends and token counts from its session log.
describeAoSequence(codex, 'ssh', { ...story, hooks: true, tokens: true });
// Hooks off, on the local host: the screen alone tells every step (no token counts without the hook).
describeAoSequence(codex, 'local', { ...story, hooks: false });
