module.exports = {
  displayName: 'cleanup',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
