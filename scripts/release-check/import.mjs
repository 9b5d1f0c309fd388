// `node import.mjs <package>`: the package loads as an ES module and exports something.
const name = process.argv[2];
const esm = await import(name);
const keys = Object.keys(esm).filter((key) => key !== 'default');
if (keys.length === 0) throw new Error(`import('${name}') exports nothing`);
console.log(`${name}: import gives ${keys.length} exports (${keys.slice(0, 5).join(', ')}, ...)`);
