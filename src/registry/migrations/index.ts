import type { Migration } from './Migration';
import { v1Registry } from './v1Registry';
import { v2Issuance } from './v2Issuance';
import { v3LookupGuard } from './v3LookupGuard';
import { v4Annotations } from './v4Annotations';

/** Every migration, in version order. */
export const MIGRATIONS: readonly Migration[] = [v1Registry, v2Issuance, v3LookupGuard, v4Annotations];

export type { Migration };
