module.exports = {
  displayName: 'docker-runner',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
