import { claudeCode } from './agents.js';
import { describeAoSequence } from './sequence.js';

const story = { permissionQuestion: /Do you want to proceed\?/, freezeAtPermission: true };

// With ao's hooks, over SSH: the hook tells of the permission request before the dialog is on screen.
describeAoSequence(claudeCode, 'ssh', { ...story, hooks: true, tokens: true, cost: true });
// Hooks off, on the local host: the screen alone catches the same request, once it is drawn.
describeAoSequence(claudeCode, 'local', { ...story, hooks: false });
