// First-party only (@capstan/* projects): helpers Capstan's own libraries share. Not part of the public API, no
// stability promise; third-party code imports @capstan/process-kit instead (the lint refuses this entry point outside).
export { superviseProcessGroup } from './run-process-group';
export { parseProcStat, processGroupMembers, processGroupUsageReader, readProcessesUsage } from './proc-usage';
