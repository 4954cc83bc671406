/** The clock is injected everywhere time matters (habit from pyHanko's frozen time in tests). */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
export const fixedClock = (iso: string): Clock => () => new Date(iso);
