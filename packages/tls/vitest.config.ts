import '../../scripts/vitest-node20.mjs';
import { defineConfig } from 'vitest/config';
import { standardDecorators } from '../../scripts/vitest-decorators.mjs';

export default defineConfig({
  plugins: [standardDecorators()],
  test: { include: ['test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000 },
});
