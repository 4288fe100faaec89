module.exports = {
  displayName: 'task-files',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
