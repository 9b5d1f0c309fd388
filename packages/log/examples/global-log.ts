/**
 * The global `log`: warnings and worse go to stdout, the rest is dropped.
 *
 *   [Sun Sep 20 19:55:22 2009] {critical} CRAP!!!
 */
import { pathToFileURL } from 'node:url';
import { log } from '@diesel/log';

export function main(): void {
  log.critical('CRAP!!!');
  log.info('not shown'); // below the global log's default verbosity, LOGLVL_WARN
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
