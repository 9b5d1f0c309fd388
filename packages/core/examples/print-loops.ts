/**
 * Two loops in one application: one prints every second, the other every two seconds.
 * Neither blocks the other — each `sleep` suspends only its own loop.
 *
 *   node examples-dist/print-loops.js          (Ctrl-C to stop)
 */
import { pathToFileURL } from 'node:url';
import { Application, Loop, sleep, type Clock } from '@diesel/core';

/** Where the loops' lines go (the console by default; tests pass their own). */
export type Print = (line: string) => void;

/**
 * Prints `text`, then suspends for `seconds`, forever.
 * @example
 * app.addLoop(new Loop(printEvery, 1, 'hi'));
 */
export function* printEvery(seconds: number, text: string, print: Print = console.log) {
  while (true) {
    print(text);
    yield* sleep(seconds); // suspends this loop only
  }
}

export interface PrintLoopsOptions {
  /** Time source for `sleep` (tests pass `FakeClock`). */
  clock?: Clock;
  print?: Print;
}

/**
 * The application: a one-second loop and a two-second loop.
 * @example
 * await createPrintLoopsApp().run();
 */
export function createPrintLoopsApp(options: PrintLoopsOptions = {}): Application {
  const print = options.print ?? console.log;
  const app = new Application(options.clock === undefined ? {} : { clock: options.clock });
  app.addLoop(new Loop(printEvery, 1, 'hello from the every-second loop', print));
  app.addLoop(new Loop(printEvery, 2, 'hello from the every-two-seconds loop', print));
  return app;
}

/** Runs until Ctrl-C. */
export async function main(): Promise<void> {
  const app = createPrintLoopsApp();
  await app.haltOnSignals().run();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    // One line (a ListenError says which address), not a stack trace: the reader needs the cause only.
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
