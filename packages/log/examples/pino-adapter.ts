/**
 * Routing diesel's lines into a pino logger the application already has: core's
 * messages and sub-loggers alike end up as pino records.
 *
 *   {"level":30,"time":…,"pid":…,"hostname":"…","msg":"ready"}
 *   {"level":30,"time":…,"pid":…,"hostname":"…","name":"http","msg":"GET / 200"}
 *   {"level":60,"time":…,"pid":…,"hostname":"…","msg":"disk full"}
 */
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { LOGLVL_INFO, Logger, toPino } from '@diesel/log';

export function main(destination: pino.DestinationStream = pino.destination(1)): void {
  const logger = new Logger({ verbosity: LOGLVL_INFO, outputs: toPino(pino({ level: 'debug' }, destination)) });
  logger.info('ready');
  logger.getSublogger('http').info('GET / 200');
  logger.critical('disk full'); // pino has no "critical": it becomes fatal (60)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
