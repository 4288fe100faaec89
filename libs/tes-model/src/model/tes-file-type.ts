import { z } from 'zod';

export const TES_FILE_TYPES = ['FILE', 'DIRECTORY'] as const;

/** `tesFileType`: whether an input or output is a file or a directory. */
export const tesFileTypeSchema = z.enum(TES_FILE_TYPES);
export type TesFileType = z.infer<typeof tesFileTypeSchema>;

/** The spec's default: the server fills it in when the client leaves it out. */
export const DEFAULT_FILE_TYPE: TesFileType = 'FILE';
