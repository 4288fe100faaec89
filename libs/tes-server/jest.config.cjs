module.exports = {
  displayName: 'tes-server',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
