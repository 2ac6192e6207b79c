// `npm run admin -- <command>` (the image: `node dist/admin.mjs <command>`): operator commands run against the
// configured database and Redis. `--help` lists them; cli.ts dispatches, commands/ holds one file per group.
import { runCli } from './cli.js';

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (chunk: Buffer) => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

const io = {
  env: process.env,
  stdout: (text: string) => void process.stdout.write(text),
  stderr: (text: string) => void process.stderr.write(text),
  readStdin,
};

runCli(process.argv.slice(2), io).then(
  // Exit at once: a Redis client's reconnect timer must not keep a finished command alive.
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`admin command failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
