/**
 * A Logger with verbosity LOGLVL_DEBUG writing every line to two outputs: the terminal
 * and a file.
 *
 *   [Sun Sep 20 19:55:22 2009] {debug} reading configuration
 *   [Sun Sep 20 19:55:22 2009] {info} configuration loaded: 3 services
 *   [Sun Sep 20 19:55:22 2009] {warn} no TLS certificate given, serving plain TCP
 */
import fs from 'node:fs';
import { finished } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { LOGLVL_DEBUG, Logger } from '@diesel/log';

export async function main(path = 'app.log'): Promise<void> {
  const file = fs.createWriteStream(path, { flags: 'a' });
  const logger = new Logger({ verbosity: LOGLVL_DEBUG, outputs: [process.stdout, file] });
  logger.debug('reading configuration');
  logger.info('configuration loaded: 3 services');
  logger.warn('no TLS certificate given, serving plain TCP');
  // Ending the file flushes what is buffered; finished() waits until it is on disk.
  file.end();
  await finished(file);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
