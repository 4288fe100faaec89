module.exports = {
  displayName: 'azure-store',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
