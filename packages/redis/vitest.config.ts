import '../../scripts/vitest-node20.mjs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { standardDecorators } from '../../scripts/vitest-decorators.mjs';

export default defineConfig({
  plugins: [standardDecorators()],
  // Examples import '@diesel/redis' as users do; point that at src so tests need no build.
  resolve: { alias: { '@diesel/redis': fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
  test: { include: ['test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000 },
});
