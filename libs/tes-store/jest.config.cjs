module.exports = {
  displayName: 'tes-store',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
