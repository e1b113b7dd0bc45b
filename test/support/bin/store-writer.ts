/**
 * A second process for the store's concurrency test: performs N locked
 * read-modify-write updates on one session, each adding its own key and
 * incrementing a counter. Usage: store-writer <dataDir> <instance> <project> <id> <label> <count>
 */
import { LocalHost } from '../../../src/hosts/local.js';
import { SessionStore } from '../../../src/hosts/store.js';

const [dataDir, instance, project, id, label, count] = process.argv.slice(2) as [string, string, string, string, string, string];
const store = new SessionStore(new LocalHost(), { dataDir, instance });
await Promise.all(
  Array.from({ length: Number(count) }, (_, i) =>
    store.update(project, id, (meta) => ({
      meta: { ...meta, [`${label}${i}`]: 'done', count: String(Number(meta.count ?? '0') + 1) },
    })),
  ),
);
