/**
 * The HTTP client, blocking-style: one connection, reused while the server keeps it
 * alive. Run it against examples/hello.ts.
 *
 *   npx pnpm@12.4.2 examples && node examples-dist/client.js localhost 8088
 */
import { pathToFileURL } from 'node:url';
import { run } from '@diesel/core';
import { HttpClient } from '@diesel/http';

/** GETs each path in turn on one connection; returns `status body` lines. Suspends: per request. */
export function* getAll(host: string, port: number, paths: readonly string[]) {
  const client = new HttpClient();
  yield* client.connect(host, port);
  const lines: string[] = [];
  try {
    for (const path of paths) {
      const [status, , body] = yield* client.request('GET', path, { Accept: 'text/plain' });
      lines.push(`${status} ${body.toString().trim()}`);
    }
  } finally {
    client.close();
  }
  return lines;
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const [host = 'localhost', port = '8088'] = argv;
  for (const line of await run(getAll(host, Number(port), ['/', '/a', '/b']))) console.log(line);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    // One line (a ListenError says which address), not a stack trace: the reader needs the cause only.
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
