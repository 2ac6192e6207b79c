// `node --import ./test/support/record-imports.mjs …`: every package a module of the process imports (static or
// import(), the specifier as written: `ioredis`, `@simplewebauthn/server`) is appended, one per line, to the file
// named by RECORD_IMPORTS_FILE. For tests of what a gateway loads at start and what only on first use.
import { register } from 'node:module';

register('./record-imports-hooks.mjs', import.meta.url, { data: { file: process.env.RECORD_IMPORTS_FILE } });
