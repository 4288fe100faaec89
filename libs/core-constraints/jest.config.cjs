module.exports = {
  displayName: 'core-constraints',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
