/** See compiledEntry.mjs. */
export function compiledEntry(entry: string): Promise<string | undefined>;
