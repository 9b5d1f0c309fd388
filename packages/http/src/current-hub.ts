import { CustomToken, type Hub, type TokenContext } from '@diesel/core';

class CurrentHubToken extends CustomToken<Hub> {
  start(context: TokenContext<Hub>): void {
    context.resolve(context.hub);
  }
}

/**
 * Suspends: no. The hub running the current routine (for its logger and clock).
 * @example
 * const hub = yield* currentHub();
 * hub.logger.info('hello');
 */
export function currentHub(): CustomToken<Hub> {
  return new CurrentHubToken();
}
