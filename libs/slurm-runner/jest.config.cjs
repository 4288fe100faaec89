module.exports = {
  displayName: 'slurm-runner',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
