// `node require.cjs <package>`: CommonJS `require` works (Node >= 20.19 requires ES
// modules through the `default` condition) and gives the same module as `import`.
const name = process.argv[2];
const required = require(name);
const keys = Object.keys(required).filter((key) => key !== 'default' && key !== '__esModule');
if (keys.length === 0) throw new Error(`require('${name}') exports nothing`);
import(name).then((esm) => {
  if (esm !== required) throw new Error(`require('${name}') and import('${name}') give different modules`);
  console.log(`${name}: require gives the same ${keys.length} exports as import`);
});
