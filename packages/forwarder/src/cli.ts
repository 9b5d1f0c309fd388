#!/usr/bin/env node
/**
 * `diesel-forward LISTEN TARGET`: the forwarder as a program. Prints one line when it
 * listens (`diesel-forward: listening on HOST:PORT, forwarding to HOST:PORT`), then with
 * `--log` a line per connection, with `--hexdump` the traffic. Stops on SIGINT/SIGTERM.
 */
import { Application, Loop, Service, dieselTimestamp } from '@diesel/core';
import { formatAddress } from './address.js';
import { USAGE, parseCommandLine } from './command-line.js';
import { formatEvent } from './events.js';
import { forwarder } from './forwarder.js';

function line(text: string, to: NodeJS.WriteStream = process.stdout): void {
  to.write(`[${dieselTimestamp()}] ${text}\n`);
}

async function main(args: string[]): Promise<number> {
  let command;
  try {
    command = parseCommandLine(args);
  } catch (error) {
    process.stderr.write(`diesel-forward: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (command === null) {
    process.stdout.write(USAGE);
    return 0;
  }
  const { listen, target } = command;
  const handler = forwarder(target, {
    hexdump: command.hexdump,
    ...(command.connectTimeout === undefined ? {} : { connectTimeout: command.connectTimeout }),
    log: (event) => {
      // Failures are always worth a line; the rest only when asked for.
      if (command.log) line(formatEvent(event));
      else if (event.type === 'close' && (event.reason === 'refused' || event.reason === 'reset')) line(formatEvent(event), process.stderr);
    },
  });
  const app = new Application();
  const service = new Service(handler, { port: listen.port, host: listen.host, name: 'diesel-forward' });
  app.addService(service);
  // Loops start once every service listens, so this reports the bound port.
  app.addLoop(
    new Loop(function* announce() {
      line(`diesel-forward${app.worker === null ? '' : ` (worker ${app.worker})`}: listening on ${formatAddress({ host: listen.host, port: service.port })}, forwarding to ${formatAddress(target)}`);
    }),
  );
  app.haltOnSignals();
  try {
    // With workers, this script runs again in each of them; each prints where it listens.
    await app.run(command.workers === undefined ? {} : { workers: command.workers });
  } catch (error) {
    process.stderr.write(`diesel-forward: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`diesel-forward: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
