module.exports = {
  displayName: 'transfer',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
