module.exports = {
  displayName: 'naming',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
