// Compiled with strict TypeScript under NodeNext and bundler resolution, with
// skipLibCheck and esModuleInterop off, so the shipped declarations are checked too.
// `yield*` results must be typed: each @ts-expect-error below fails the build if the
// type it expects to be wrong is `any` or `unknown`-accepting.
import { Application, Service, bytes, sleep, until, type RemoteAddress } from '@diesel/core';

export function* echo(remote: RemoteAddress) {
  const line: string = yield* until('\r\n');
  // @ts-expect-error until() gives a string, not a number
  const notANumber: number = yield* until('\r\n');
  const chunk: Uint8Array = yield* bytes(4);
  // @ts-expect-error bytes() gives bytes, not a string
  const notAString: string = yield* bytes(4);
  yield* sleep(0.01);
  yield `${remote.host} said ${line} ${notANumber} ${chunk.length} ${notAString}`;
}

export const app = new Application();
app.addService(new Service(echo, { port: 0 }));
