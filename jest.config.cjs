// One jest run over every project (each keeps its own config), so the whole suite reports one summary.
module.exports = {
  projects: ['<rootDir>/libs/*/jest.config.cjs', '<rootDir>/apps/*/jest.config.cjs', '<rootDir>/tools/workspace-checks/jest.config.cjs', '<rootDir>/tools/packages/jest.config.cjs'],
};
