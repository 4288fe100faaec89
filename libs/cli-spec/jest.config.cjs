module.exports = {
  displayName: 'cli-spec',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
