import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

// nx release (nx.json "release") writes each package's version into its package.json and an entry on top of its
// CHANGELOG.md in one go; a hand edit of one without the other would ship a package whose changelog misstates it.
const root = resolve(__dirname, '..', '..', '..');
const HEADING = /^## (\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?) \((\d{4}-\d{2}-\d{2})\)\n\n(### .+\n\n- .+)/;

/** Why a changelog does not begin with an entry for `version` in the format nx release writes, or undefined. */
function changelogProblem(text: string, version: string): string | undefined {
  const top = HEADING.exec(text);
  if (!top) return 'does not begin with "## <version> (<yyyy-mm-dd>)", a "### " section and a "- " entry (nx release\'s format)';
  return top[1] === version ? undefined : `begins with ${top[1]}, but package.json says ${version}`;
}

const packages = ['libs', 'apps'].flatMap((kind) => readdirSync(join(root, kind)).map((name) => `${kind}/${name}`));

describe('every package\'s CHANGELOG.md', () => {
  it('refuses a changelog behind its package.json, or not in nx release\'s format (the check bites)', () => {
    const entry = '## 0.1.0 (2026-12-07)\n\n### 🚀 Features\n\n- **engine:** first release\n';
    expect(changelogProblem(entry, '0.1.0')).toBeUndefined();
    expect(changelogProblem(entry, '0.2.0')).toBe('begins with 0.1.0, but package.json says 0.2.0');
    expect(changelogProblem('# Changelog\n\n' + entry, '0.1.0')).toMatch(/nx release's format/);
  });

  it.each(packages)('%s: its first entry is its package.json version', (folder) => {
    const { version } = JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8')) as { version: string };
    expect(changelogProblem(readFileSync(join(root, folder, 'CHANGELOG.md'), 'utf8'), version)).toBeUndefined();
  });
});
