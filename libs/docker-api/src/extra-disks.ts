// The attempt folder's disk layout is shared by every backend; docker-api's users get it from here as before.
export { createDiskFolders, type DiskFolder, planDiskFolders, sanitiseMountPoint } from '@capstan/core-constraints';
