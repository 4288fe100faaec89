// Declarations as a package ships them. tsc writes relative imports as the source has them (`./x`, bundler style);
// the package is an ES module, and `moduleResolution: node16` consumers resolve declarations the way Node resolves
// ES modules, with no extension guessing, so each gets its file (`./x.js` or `./x/index.js`).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bareName } from './projects.mjs';

const SPECIFIER = /(\bfrom\s*|\bimport\(\s*)(['"])([^'"]+)\2/g;

/**
 * The text of the declaration file `file` with explicit relative imports. Throws when it imports a package not in
 * `declared` (a consumer's compiler would not find it) or a relative path with no declaration file.
 */
export function rewriteDeclaration(text, file, declared) {
  return text.replace(SPECIFIER, (whole, head, quote, specifier) => {
    if (!specifier.startsWith('.')) {
      const name = bareName(specifier);
      if (name && !declared.has(name)) throw new Error(`${file} imports "${name}", which its package.json does not declare`);
      return whole;
    }
    const base = join(dirname(file), specifier);
    if (existsSync(`${base}.d.ts`)) return `${head}${quote}${specifier}.js${quote}`;
    if (existsSync(join(base, 'index.d.ts'))) return `${head}${quote}${specifier}/index.js${quote}`;
    throw new Error(`${file} imports "${specifier}", which has no declaration file`);
  });
}
