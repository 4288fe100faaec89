module.exports = {
  displayName: 'backend-conformance',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
