// A TypeDoc plugin: every function, class, constant, interface, type alias and enum a
// package exports must show an `@example` in its TSDoc. TypeDoc's own `notDocumented`
// validation checks that a comment exists; this checks the example, and names the package, the export and its file, so a
// new export without one fails `pnpm docs:api` with a message that says what to add.
// Exports listed in the option `exportsWithoutExample` ("@diesel/pkg:name") are known
// gaps, reported once as a count so they stay visible.
import { Application, ParameterType, ReflectionKind } from 'typedoc';

const CHECKED =
  ReflectionKind.Function | ReflectionKind.Class | ReflectionKind.Variable | ReflectionKind.Interface | ReflectionKind.TypeAlias | ReflectionKind.Enum;

/** @param {Application} app */
export function load(app) {
  app.options.addDeclaration({
    name: 'exportsWithoutExample',
    help: 'Exports ("@diesel/pkg:name") known to lack an @example; every other export must have one.',
    type: ParameterType.Array,
    defaultValue: [],
  });
  app.on(Application.EVENT_VALIDATE_PROJECT, (project) => {
    // With the "packages" strategy each package is validated alone, with its own options,
    // and then the merged project once more: the per-package runs did the work.
    if (app.options.getValue('entryPointStrategy') === 'packages') return;
    const known = new Set(app.options.getValue('exportsWithoutExample'));
    const seen = new Set();
    for (const reflection of project.getReflectionsByKind(CHECKED)) {
      // Only what a module exports: not methods, not members of namespaces.
      if (!reflection.parent?.kindOf(ReflectionKind.Module | ReflectionKind.Project)) continue;
      // Each package is validated on its own: the project is the package; core's entry
      // points (index, testing) are modules in it, so they lead the name.
      const packageName = project.packageName ?? project.name;
      const name = reflection.getFriendlyFullName();
      const comments = [reflection.comment, ...(reflection.signatures ?? []).map((s) => s.comment)].filter(Boolean);
      if (comments.some((comment) => comment.blockTags.some((tag) => tag.tag === '@example'))) continue;
      const key = `${packageName}:${name}`;
      seen.add(key);
      if (known.has(key)) continue;
      const source = reflection.sources?.[0];
      const where = source === undefined ? '' : ` (${source.fileName}:${source.line})`;
      app.logger.warn(`${packageName}: export ${name} (${ReflectionKind.singularString(reflection.kind)})${where} has no @example in its TSDoc: add one that shows a call or a use`);
    }
    const stale = [...known].filter((key) => !seen.has(key));
    if (stale.length > 0) app.logger.warn(`exportsWithoutExample lists exports that have an @example now (or are gone); remove them: ${stale.join(', ')}`);
    const debt = [...seen].filter((key) => known.has(key)).length;
    if (debt > 0) app.logger.info(`${project.packageName ?? project.name}: ${debt} exports still without an @example (listed in exportsWithoutExample)`);
  });
}
