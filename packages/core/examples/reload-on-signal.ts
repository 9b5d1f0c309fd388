/**
 * A reload loop: reread the configuration on SIGHUP, and every minute anyway.
 *
 *   node examples-dist/reload-on-signal.js     then: kill -HUP <pid>
 */
import { pathToFileURL } from 'node:url';
import { Application, Loop, first, signal, sleep, type Routine } from '@diesel/core';

/** Calls `reload(why)` on each SIGHUP, or after `every` seconds without one. */
export function* reloadLoop(reload: (why: string) => void, every = 60): Routine<void> {
  for (;;) {
    const [hup] = yield* first(signal('SIGHUP'), sleep(every));
    reload(hup !== undefined ? 'SIGHUP' : 'timer');
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const app = new Application();
  app.addLoop(new Loop(reloadLoop, (why: string) => console.log(`reloading configuration (${why})`)));
  console.log(`pid ${process.pid}: send SIGHUP to reload, Ctrl-C to stop`);
  await app.haltOnSignals().run();
}
