import type { Migration } from './Migration';
import { v1Registry } from './v1Registry';

/** Every migration, in version order. */
export const MIGRATIONS: readonly Migration[] = [v1Registry];

export type { Migration };
