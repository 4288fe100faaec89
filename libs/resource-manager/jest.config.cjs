module.exports = {
  displayName: 'resource-manager',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
