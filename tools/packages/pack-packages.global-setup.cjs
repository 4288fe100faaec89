// `npm run package` once per jest run, before any spec that installs the tarballs: two spec files building into
// dist/packages side by side would delete each other's tarballs. A failure is kept for those specs to report (see
// src/testing/outsider.ts), rather than thrown here, where it would stop every other project's tests too.
const { execFileSync } = require('node:child_process');
const { join, resolve } = require('node:path');

module.exports = () => {
  const root = resolve(__dirname, '..', '..');
  try {
    execFileSync(process.execPath, [join(root, 'tools/packages/build.mjs')], { cwd: root, stdio: 'pipe' });
    delete process.env.PACKAGES_BUILD_ERROR;
  } catch (error) {
    process.env.PACKAGES_BUILD_ERROR = `${error.message}\n${error.stderr ?? ''}`;
  }
};
