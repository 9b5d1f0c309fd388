import { Logger } from './logger.js';

/**
 * The global logger, as in diesel: warnings and worse to `process.stdout`. Make it more
 * verbose with `log.verbosity = LOGLVL_INFO`, or make one part verbose with
 * `log.getSublogger('http', LOGLVL_DEBUG)`; for other outputs create your own `Logger`.
 * @example
 * import { log } from '@diesel/log';
 * log.critical('CRAP!!!'); // [Sun Sep 20 19:55:22 2009] {critical} CRAP!!!
 * log.info('not shown');
 */
export const log: Logger = new Logger();
