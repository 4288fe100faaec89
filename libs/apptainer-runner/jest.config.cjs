module.exports = {
  displayName: 'apptainer-runner',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
