// The public API of @capstan/cli-spec (reviewed in api/cli-spec.api.md): named exports only.
export { type CommandSpec, type FlagSpec, type FlagValue, type FlagValues, HELP_FLAG } from './spec';
export { commandUsageError, configFlags, parseCommand, type ParsedCommand, shown } from './parse';
export { commandListText, helpText } from './help';
export { cliMarkdown } from './markdown';
export { completionScript } from './completion';
