import type { Migration } from './Migration';
import { v1Registry } from './v1Registry';
import { v2Issuance } from './v2Issuance';

/** Every migration, in version order. */
export const MIGRATIONS: readonly Migration[] = [v1Registry, v2Issuance];

export type { Migration };
