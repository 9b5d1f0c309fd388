// The helper lives in src/testing (shipped as @diesel/redis/testing, so other packages' tests can start a server too).
export * from '../src/testing/redis-server.js';
