// The app as deployed, for tests: the same launcher the sandbox uses.
export { freePort, startAppProcess, type AppProcess } from '../../src/sandbox/app-process.js';
