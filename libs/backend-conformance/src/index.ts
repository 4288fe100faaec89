// The public API of @capstan/backend-conformance (reviewed in api/backend-conformance.api.md): named exports only.
export { type ConformanceOptions, describeBackendConformance } from './conformance';
