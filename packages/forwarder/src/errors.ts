import { DieselError } from '@diesel/core';

/**
 * Every error `@diesel/forwarder` raises. Branch on `code`, never on the message:
 *
 * | code | when |
 * | --- | --- |
 * | `DIESEL_ERR_FORWARDER_TARGET_UNREACHABLE` | the target refused, timed out or could not be resolved (the client is closed) |
 * | `DIESEL_ERR_FORWARDER_BAD_ADDRESS` | a LISTEN or TARGET address (or a `target` object) is not valid |
 * | `DIESEL_ERR_FORWARDER_USAGE` | the command line is not valid |
 *
 * @example
 * try {
 *   parseTarget('example');
 * } catch (error) {
 *   if (error instanceof ForwarderError && error.code === 'DIESEL_ERR_FORWARDER_BAD_ADDRESS') console.error(error.message);
 * }
 */
export class ForwarderError extends DieselError {
  constructor(code: ForwarderErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * The stable codes a `ForwarderError` carries.
 * @example
 * try {
 *   parseTarget('nowhere');
 * } catch (error) {
 *   if (error instanceof ForwarderError && error.code === 'DIESEL_ERR_FORWARDER_BAD_ADDRESS') console.error(error.message);
 * }
 */
export type ForwarderErrorCode =
  | 'DIESEL_ERR_FORWARDER_TARGET_UNREACHABLE'
  | 'DIESEL_ERR_FORWARDER_BAD_ADDRESS'
  | 'DIESEL_ERR_FORWARDER_USAGE';
