import { codex } from './agents.js';
import { describeAoSequence } from './sequence.js';

// Over SSH, with ao's notify hook: turn ends and token counts from its session log.
describeAoSequence(codex, 'ssh', { permissionQuestion: /Would you like to run the following command\?/, hooks: true, tokens: true });
