module.exports = {
  displayName: 'tes-model',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
