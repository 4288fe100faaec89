module.exports = {
  displayName: 'process-kit',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
