// vitest's transformer (oxc) strips types but does not lower standard (TC39) decorators,
// which Node 20 cannot run. For the few files that use them (`@call` clients), let
// TypeScript itself lower them first, exactly as `tsc` does for the published build.
import ts from 'typescript';

const DECORATOR = /^\s*@[A-Za-z_$][\w$]*/m;

export function standardDecorators() {
  return {
    name: 'diesel:standard-decorators',
    enforce: 'pre',
    transform(code, id) {
      if (!/\.m?tsx?$/.test(id) || !DECORATOR.test(code)) return null;
      const out = ts.transpileModule(code, {
        fileName: id,
        compilerOptions: {
          target: ts.ScriptTarget.ES2022,
          module: ts.ModuleKind.ESNext,
          sourceMap: true,
          inlineSources: true,
        },
      });
      return { code: out.outputText, map: out.sourceMapText ? JSON.parse(out.sourceMapText) : null };
    },
  };
}
