module.exports = {
  displayName: 'support',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
