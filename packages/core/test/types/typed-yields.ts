/**
 * Type tests, checked by `tsc` in `pnpm typecheck` (never run): each `@ts-expect-error`
 * line must be an error — if a change made it compile, tsc fails with "unused
 * '@ts-expect-error' directive" — and each `expectType` pins an inferred result type.
 */
import {
  type Connection,
  Local,
  Loop,
  type RemoteAddress,
  Service,
  type Task,
  all,
  bytes,
  first,
  race,
  run,
  sleep,
  spawn,
  timeout,
  until,
  wait,
} from '../../src/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | void {}

function* yields42() {
  yield 42;
}
function* yieldsBareSleep() {
  yield sleep; // the function, not sleep(1)
}
function* yieldsAnObject() {
  yield { not: 'a token' };
}
function* double(n: number) {
  yield* sleep(n);
  return n * 2;
}
function* echo(remote: RemoteAddress) {
  const line = yield* until('\r\n');
  yield `${remote.host} said ${line}`;
  yield [until('\n'), sleep(1)];
  yield Promise.resolve(1);
  yield new Loop(double, 1);
  yield double(2);
}

// Service: a handler must yield only Yieldables.
new Service(echo, 0);
new Service({ handle: echo }, 0);
// @ts-expect-error a generator that yields 42 is not a connection handler
new Service(yields42, 0);
// @ts-expect-error yielding `sleep` without calling it
new Service(yieldsBareSleep, 0);
// @ts-expect-error an object that is not a token
new Service({ handle: yieldsAnObject }, 0);

// Loop: the same, and its arguments are checked against the function's.
new Loop(double, 1);
// @ts-expect-error a generator that yields 42 is not a loop
new Loop(yields42);
// @ts-expect-error the argument must be a number
new Loop(double, 'one');

// run: the result type comes from the routine or token.
const ran: Promise<number> = run(double(1));
const line: Promise<string> = run(until('\n'));
// @ts-expect-error a generator that yields 42 cannot be run
void run(yields42());

export function* inferred(connection: Connection) {
  const task = yield* spawn(double, 1);
  expectType<Equal<typeof task, Task<number>>>();
  const joined = yield* task.join();
  expectType<Equal<typeof joined, number>>();
  const cancelled = yield* task.cancel();
  expectType<Equal<typeof cancelled, undefined>>();
  // @ts-expect-error spawn checks the arguments
  yield* spawn(double, 'one');
  // @ts-expect-error a generator that yields 42 cannot be spawned
  yield* spawn(yields42);

  const timed = yield* timeout(5, double(2));
  expectType<Equal<typeof timed, number>>();
  const timedToken = yield* timeout(5, bytes(4));
  expectType<Equal<typeof timedToken, Buffer>>();

  const both = yield* all([double(1), until('\n'), wait<boolean>('ready')]);
  expectType<Equal<typeof both, [number, string, boolean]>>();
  const winner = yield* race([double(1), until('\n')]);
  expectType<Equal<typeof winner, number | string>>();

  const grouped = yield* first(until('\n'), sleep(3));
  expectType<Equal<typeof grouped, [string | undefined, true | undefined]>>();

  const counter = new Local(0);
  counter.value += 1;
  expectType<Equal<typeof counter.value, number>>();
  const optional = new Local<string | undefined>();
  expectType<Equal<typeof optional.value, string | undefined>>();
  // @ts-expect-error a Local of a type without undefined needs its initial value
  new Local<number>();

  void connection;
  void ran;
  void line;
}
