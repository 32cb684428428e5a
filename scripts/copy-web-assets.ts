// Build step: the HTML templates and the stylesheet are not TypeScript, so tsc leaves them
// behind; they are copied next to the compiled src/web/ where the server looks for them.
import { cpSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
for (const folder of ['views', 'assets']) {
  cpSync(join(root, 'src', 'web', folder), join(root, 'dist', 'src', 'web', folder), { recursive: true });
}
