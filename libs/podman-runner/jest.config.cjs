module.exports = {
  displayName: 'podman-runner',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
