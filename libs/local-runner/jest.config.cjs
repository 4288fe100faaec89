module.exports = {
  displayName: 'local-runner',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
