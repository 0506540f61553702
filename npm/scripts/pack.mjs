// Usage: node npm/scripts/pack.mjs --version X.Y.Z --out DIR --binary linux-x64=PATH [--binary …]
//
// Writes the npm tarballs of @clerkgen/signintokens-fake and of each platform package given a
// binary into DIR, each package staged in DIR/stage first (the source tree is never written
// to). Every package gets version X.Y.Z, and the main package's optionalDependencies name
// exactly that version of each platform package, as esbuild's do. `make npm-pack` runs it for
// linux-x64; a release runs it with the six binaries GoReleaser built.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url)); // not URL.pathname: that spells a space %20
const npmDir = path.resolve(here, '..');
const { values } = parseArgs({
  options: { version: { type: 'string' }, out: { type: 'string' }, binary: { type: 'string', multiple: true } },
});
if (!values.version || !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(values.version) || !values.out || !values.binary?.length) {
  console.error('usage: pack.mjs --version X.Y.Z --out DIR --binary PLATFORM=PATH [--binary …]');
  process.exit(2);
}
const version = values.version;
const out = path.resolve(values.out);
const stage = path.join(out, 'stage');
fs.rmSync(stage, { recursive: true, force: true });
fs.mkdirSync(stage, { recursive: true });

function writeManifest(dir, edit) {
  const file = path.join(dir, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(pkg);
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
  return pkg;
}

function pack(dir) {
  // --json: the tarball's name, whatever npm makes of the scope.
  const [info] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: dir, encoding: 'utf8' }));
  console.log(`${path.relative(process.cwd(), path.join(out, info.filename))} (${info.entryCount} files, ${info.size} bytes)`);
}

const main = path.join(stage, 'main');
fs.cpSync(npmDir, main, { recursive: true, filter: (src) => !/\/(platforms|scripts|test|node_modules)$/.test(src) });
const platforms = fs.readdirSync(path.join(npmDir, 'platforms'));
writeManifest(main, (pkg) => {
  pkg.version = version;
  for (const dep of Object.keys(pkg.optionalDependencies)) pkg.optionalDependencies[dep] = version;
  // Every platform directory is an optional dependency, and nothing else is.
  const listed = Object.keys(pkg.optionalDependencies).sort().join(' ');
  const present = platforms.map((p) => `@clerkgen/signintokens-fake-${p}`).sort().join(' ');
  if (listed !== present) throw new Error(`optionalDependencies (${listed}) are not the platforms (${present})`);
});
pack(main);

for (const spec of values.binary) {
  const [platform, binary] = spec.split('=');
  if (!platforms.includes(platform) || !binary) throw new Error(`--binary ${spec}: want one of ${platforms.join(', ')}=PATH`);
  const dir = path.join(stage, platform);
  fs.cpSync(path.join(npmDir, 'platforms', platform), dir, { recursive: true });
  const pkg = writeManifest(dir, (p) => (p.version = version));
  const target = path.join(dir, pkg.files[0]); // bin/signintoken[.exe]
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(binary, target);
  fs.chmodSync(target, 0o755);
  pack(dir);
}
