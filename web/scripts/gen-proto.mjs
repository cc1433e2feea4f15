// Generates TypeScript types for the wire schema (proto/parley/v1/*.proto) with protoc and ts-proto, into
// src/gen/. The types follow the canonical protobuf JSON mapping the server speaks in text frames: proto field
// names, 64-bit integers as strings, enums by name, every field optional (the server leaves defaults out).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const protoRoot = resolve(web, '..', 'proto');
const out = join(web, 'src', 'gen');
const plugin = join(web, 'node_modules', '.bin', 'protoc-gen-ts_proto');
const files = readdirSync(join(protoRoot, 'parley', 'v1'))
  .filter((f) => f.endsWith('.proto'))
  .map((f) => join('parley', 'v1', f));

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const options = [
  'onlyTypes=true',
  'snakeToCamel=false',
  'forceLong=string',
  'stringEnums=true',
  'enumsAsLiterals=true',
  'useOptionals=all',
  'outputServices=false',
  'esModuleInterop=true',
].join(',');
try {
  execFileSync(
    process.env.PROTOC || 'protoc',
    [`--plugin=protoc-gen-ts_proto=${plugin}`, `--ts_proto_out=${out}`, `--ts_proto_opt=${options}`, `-I${protoRoot}`, ...files],
    { stdio: 'inherit' },
  );
} catch (e) {
  console.error('gen-proto: protoc failed (install protobuf-compiler: scripts/install-deps)');
  process.exit(1);
}
console.log(`gen-proto: ${files.length} schema files -> src/gen/parley/v1/`);
