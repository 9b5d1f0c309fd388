import type { RedisError } from '../errors.js';

/**
 * A RESP3 push (`>`): out-of-band data such as a pub/sub message, kept apart from
 * replies so a client never mistakes one for the answer to a call.
 * @example
 * if (value instanceof RespPush && value.data[0] === 'message') console.log(value.data[2]);
 */
export class RespPush {
  constructor(readonly data: RespValue[]) {}
}

/**
 * A value that came with RESP3 attributes (`|`), when the parser is asked to expose
 * them (`attributes: 'expose'`); by default attributes are skipped.
 * @example
 * const parser = new RespParser({ attributes: 'expose' });
 */
export class RespAttributed {
  constructor(
    readonly attributes: Map<RespValue, RespValue>,
    readonly value: RespValue,
  ) {}
}

/**
 * What the parser gives for each RESP type:
 * simple and verbatim strings → `string`; bulk strings → `string` (or `Buffer` with
 * `bulkAs: 'buffer'`); integers → `number` (or `bigint` past 2^53); doubles → `number`;
 * big numbers → `bigint`; booleans → `boolean`; nulls (RESP2 `$-1`/`*-1`, RESP3 `_`) →
 * `null`; arrays → arrays; maps → `Map`; sets → `Set`; errors → `RedisError` values
 * (inside arrays, as `EXEC` returns them; a top-level error is thrown by the client).
 * @example
 * const value: RespValue = parser.read() ?? null;
 */
export type RespValue =
  | string
  | Buffer
  | number
  | bigint
  | boolean
  | null
  | RedisError
  | RespValue[]
  | Map<RespValue, RespValue>
  | Set<RespValue>
  | RespPush
  | RespAttributed;
