/**
 * One part of an application made verbose by itself: the global `log` stays at
 * LOGLVL_WARN, its `http` sub-logger writes info too.
 *
 *   [Sun Sep 20 19:55:22 2009] {http:info} GET / Host=localhost:8088
 *   [Sun Sep 20 19:55:22 2009] {warn} cache is cold
 *   [Sun Sep 20 19:55:22 2009] {http:warn} GET /missing 404
 */
import { pathToFileURL } from 'node:url';
import { LOGLVL_INFO, log } from '@diesel/log';

export function main(): void {
  const http = log.getSublogger('http', LOGLVL_INFO);
  log.info('application starting'); // not shown: the global log writes warnings and worse
  http.info('GET / Host=localhost:8088'); // shown: http is at LOGLVL_INFO
  http.debug(() => `headers: ${JSON.stringify({ host: 'localhost:8088' })}`); // not shown, and not even formatted
  log.warn('cache is cold');
  http.warn('GET /missing 404');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
