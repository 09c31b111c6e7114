// `npm run build`, second step: tsc emits only JavaScript, so the Lua scripts the store loads next to its
// modules (src/**/*.lua) are copied to the same place under dist/.
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

for (const entry of readdirSync('src', { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.lua')) continue;
  const from = join(entry.parentPath, entry.name);
  cpSync(from, join('dist', from.slice('src/'.length)));
}
