// One jest run over every project (each keeps its own config), so the whole suite reports one summary.
module.exports = {
  // jest reads testTimeout from this top-level config only: a project's own is ignored when run from here. Tests on
  // real engines pass the 5 s default on a loaded 2-core machine (CI saw Apptainer's conversions from the local
  // Docker store do so at load average 47), so the whole suite gets the longest that any project sets for itself.
  testTimeout: 60_000,
  projects: ['<rootDir>/libs/*/jest.config.cjs', '<rootDir>/apps/*/jest.config.cjs', '<rootDir>/tools/workspace-checks/jest.config.cjs', '<rootDir>/tools/packages/jest.config.cjs'],
};
