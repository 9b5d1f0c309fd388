import { Permits } from '../sync/permits.js';

/**
 * `size` permits shared by routines, for bounding concurrency (at most 10 routines
 * talking to the database): the `Lock` API with a count. Waiters are served in arrival
 * order; a routine may hold several permits and releases one per `release()`; a routine
 * that ends holding permits gives them all back.
 * @example
 * const slots = new Semaphore(10);
 * function* query(sql: string) {
 *   return yield* slots.hold(database.query(sql));
 * }
 */
export class Semaphore extends Permits {
  constructor(size: number) {
    super(size, 'semaphore');
  }
}
