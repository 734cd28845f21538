/**
 * What a value becomes after a JSON round trip (JSON.stringify, then JSON.parse): dates become their ISO strings,
 * functions and undefined disappear, through arrays and objects. The web application reads every API answer as
 * `Json<ServerType>`; the server uses it for what it reads back from JSON columns. Types only: nothing to run.
 */
export type Json<T> = T extends Date
  ? string
  : T extends (...args: never[]) => unknown
    ? never
    : T extends readonly (infer U)[]
      ? Json<U>[]
      : T extends object
        ? { [K in keyof T as T[K] extends (...args: never[]) => unknown ? never : K]: Json<T[K]> }
        : T;
