module.exports = {
  displayName: 'backend-test-kit',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
