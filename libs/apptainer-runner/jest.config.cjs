module.exports = {
  displayName: 'apptainer-runner',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  // Real conversions: each image is looked for in the local Docker and Podman stores before a registry, and a
  // docker-daemon: conversion exports the image; under a loaded CI machine that passes jest's 5 s default.
  testTimeout: 60_000,
};
