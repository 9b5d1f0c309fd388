import { type HostPort, type ListenAddress, parseListen, parseTarget } from './address.js';
import { ForwarderError } from './errors.js';

/**
 * What `diesel-forward`'s arguments ask for: `parseCommandLine` returns it (null for `--help`).
 * @example
 * const command: ForwardCommand | null = parseCommandLine(['--log', '8080', 'example.com:80']);
 */
export interface ForwardCommand {
  listen: ListenAddress;
  target: HostPort;
  /** `--log`: a line per connection with the bytes each way. */
  log: boolean;
  /** `--hexdump`: also dump the traffic (implies `--log`). */
  hexdump: boolean;
  /** `--connect-timeout S`. */
  connectTimeout: number | undefined;
  /** `--workers N`: worker processes sharing LISTEN (2 or more, or `auto`: one per core); absent: this process alone. */
  workers?: number | 'auto';
}

/**
 * The text `diesel-forward --help` prints (and, on stderr, what a bad command line gets).
 * @example
 * if (process.argv.includes('--help')) console.log(USAGE);
 */
export const USAGE = `usage: diesel-forward [--log] [--hexdump] [--connect-timeout SECONDS] [--workers N] LISTEN TARGET

Forwards every TCP connection accepted on LISTEN to TARGET.

  LISTEN   8080 (every interface), 127.0.0.1:8080, [::1]:8080; port 0 picks a free port
  TARGET   example.com:80, 127.0.0.1:8000, [::1]:8000

  --log                  print a line per connection with the bytes each way
  --hexdump              log the traffic itself, as hexdump -C (implies --log)
  --connect-timeout S    seconds to wait for TARGET (default 10)
  --workers N            forward from N worker processes sharing LISTEN (2 or more;
                         'auto': one per core)
  -h, --help             show this text
`;

/**
 * Parses `diesel-forward`'s arguments (without `node` and the script). Returns null
 * for `--help`. Throws `ForwarderError` (`DIESEL_ERR_FORWARDER_USAGE` or
 * `DIESEL_ERR_FORWARDER_BAD_ADDRESS`). A pure function; suspends: no.
 * @example
 * parseCommandLine(['--log', '8080', 'example.com:80']);
 * // { listen: { host: undefined, port: 8080 }, target: { host: 'example.com', port: 80 }, log: true, hexdump: false, connectTimeout: undefined }
 */
export function parseCommandLine(args: readonly string[]): ForwardCommand | null {
  const positional: string[] = [];
  let log = false;
  let hexdump = false;
  let connectTimeout: number | undefined;
  let workers: number | 'auto' | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-h' || arg === '--help') return null;
    else if (arg === '--log') log = true;
    else if (arg === '--hexdump') hexdump = log = true;
    else if (arg === '--connect-timeout') {
      const value = Number(args[++i]);
      if (!(value > 0)) throw new ForwarderError('DIESEL_ERR_FORWARDER_USAGE', `--connect-timeout needs a positive number of seconds, got ${JSON.stringify(args[i] ?? '')}`);
      connectTimeout = value;
    } else if (arg === '--workers') {
      const value = args[++i];
      if (value === 'auto') workers = 'auto';
      else if (value !== undefined && /^\d+$/.test(value) && Number(value) >= 2) workers = Number(value);
      else throw new ForwarderError('DIESEL_ERR_FORWARDER_USAGE', `--workers needs a number of processes, 2 or more, or auto, got ${JSON.stringify(value ?? '')}`);
    } else if (arg.startsWith('-') && arg.length > 1) throw new ForwarderError('DIESEL_ERR_FORWARDER_USAGE', `unknown option ${arg}`);
    else positional.push(arg);
  }
  if (positional.length !== 2) throw new ForwarderError('DIESEL_ERR_FORWARDER_USAGE', `expected LISTEN and TARGET, got ${positional.length} argument(s)`);
  const command: ForwardCommand = { listen: parseListen(positional[0]!), target: parseTarget(positional[1]!), log, hexdump, connectTimeout };
  if (workers !== undefined) command.workers = workers;
  return command;
}
