module.exports = {
  displayName: 'docker-api',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
