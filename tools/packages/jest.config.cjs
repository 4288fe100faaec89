module.exports = {
  displayName: 'packages',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  globalSetup: '<rootDir>/pack-packages.global-setup.cjs',
};
