module.exports = {
  displayName: 'batch-runner',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
