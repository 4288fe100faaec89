// First-party only (@capstan/* projects): helpers Capstan's own libraries share. Not part of the public API, no
// stability promise; third-party code imports @capstan/engine instead (the lint refuses this entry point outside).
export { envSettings, readEnvSettings } from './config/config-env';
