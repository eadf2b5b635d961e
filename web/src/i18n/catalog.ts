import type zhCN from './zh-CN.js';

/** A catalog's shape: zh-CN's keys, any strings. A catalog typed with it has exactly those keys. */
type Shape<T> = { [K in keyof T]: T[K] extends string ? string : Shape<T[K]> };

export type Catalog = Shape<typeof zhCN>;

/** Every message's key, e.g. 'signIn.errors.invalid'. */
export type MessageKey = Leaves<Catalog>;

type Leaves<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${P}${K}` : Leaves<T[K], `${P}${K}.`>;
}[keyof T & string];
