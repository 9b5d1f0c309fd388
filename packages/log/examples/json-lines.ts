/**
 * JSON lines for a log shipper: every line one object.
 *
 *   {"time":"2009-09-20T19:55:22.000Z","level":"info","msg":"ready"}
 *   {"time":"2009-09-20T19:55:22.000Z","level":"info","name":"http","msg":"GET / 200"}
 *   {"time":"2009-09-20T19:55:22.000Z","level":"error","name":"http","msg":"GET /boom 500\nError: boom"}
 */
import { pathToFileURL } from 'node:url';
import { LOGLVL_INFO, Logger, type LogOutput } from '@diesel/log';

export function main(output: LogOutput = process.stdout): void {
  const logger = new Logger({ verbosity: LOGLVL_INFO, jsonLines: true, outputs: output });
  const http = logger.getSublogger('http');
  logger.info('ready');
  http.info('GET / 200');
  http.debug('not shown');
  http.error('GET /boom 500\nError: boom'); // a multi-line message stays one JSON line
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
