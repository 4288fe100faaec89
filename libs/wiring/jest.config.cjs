module.exports = {
  displayName: 'wiring',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
