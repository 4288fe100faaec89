module.exports = {
  displayName: 'tes-runner',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
