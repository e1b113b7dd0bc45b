import { createRequire as __aoCreateRequire } from 'node:module'; import { fileURLToPath as __aoFileURLToPath } from 'node:url'; import { dirname as __aoDirname } from 'node:path'; const require = __aoCreateRequire(import.meta.url); const __filename = __aoFileURLToPath(import.meta.url); const __dirname = __aoDirname(__filename);
import{hostScript}from"./chunk-OW63ACCA.mjs";import{hookEnv}from"./chunk-M3SMEVHR.mjs";function agentHooks(orch,project,paths,id){if(!(project.agentHooks??orch.config.defaults.agentHooks))return{env:{}};const hooks={stateDir:paths.agentState(project.name,id),script:hostScript("agent-hook")};return{hooks,env:hookEnv(hooks)}}function prepareLaunch(adapter,ctx){const prepare=hostScript("prepare-launch");if(!adapter.firstRun)return{script:prepare,setupArgs:[]};return{script:`${prepare}( shift 2
${hostScript(adapter.firstRun.script)})
exit 0
`,setupArgs:adapter.firstRun.args(ctx)}}export{agentHooks,prepareLaunch};
