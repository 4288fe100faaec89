module.exports = {
  displayName: 'example-custom-backend',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/*.spec.ts'],
};
