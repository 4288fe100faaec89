module.exports = {
  displayName: 'job-script',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
