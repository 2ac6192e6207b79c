// In-process micro-benchmark (`npx tsx bench/groups-hot-path.ts`): nanoseconds per ForwardAuth.decide (cache hits)
// for the access-token, session-cookie and PAT paths, a user with no groups and no rules against a user with 20
// groups behind rules that name groups (a public rule, a deny-by-group rule, an allow-by-group rule), interleaved.
// Prints one JSON line: what groups and group rules cost on the verify hot path.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/app.js';
import { requireConfig } from '../src/config.js';
import { closeDeps, openDeps } from '../src/deps.js';
import { parseOriginalUrl } from '../src/forward-auth/original-request.js';
import { createLogger } from '../src/logger.js';
import { createFixtures } from './lib/fixtures.js';

const N = Number(process.env.N ?? 100_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'gw-groups-hot-'));
const rulesFile = join(dir, 'rules.json');
writeFileSync(rulesFile, JSON.stringify({
  default: 'none',
  rules: [
    { host: 'app.example.test', path: '/healthz', allow: 'public' },
    { host: '*', path: '/', deny: { groups: ['contractors', 'interns'] } },
    { host: 'app.example.test', path: '/', allow: { groups: ['team-19', 'ops'] } },
  ],
}));

async function gateway(name: string, withGroups: boolean) {
  const config = requireConfig({
    GATEWAY_DATABASE_URL: `sqlite:${join(dir, name)}`,
    GATEWAY_BCRYPT_COST: '4',
    GATEWAY_LOG_LEVEL: 'silent',
    ...(withGroups ? { GATEWAY_ACCESS_RULES_FILE: rulesFile } : {}),
  });
  const deps = await openDeps(config, { logger: createLogger('silent') });
  const server = createApp(deps).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const fixtures = await createFixtures(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  server.close();
  if (withGroups) await deps.store.groups.replace(1, '', Array.from({ length: 20 }, (_, i) => `team-${i}`), new Date());
  return { deps, fixtures, fa: deps.forwardAuth };
}

const plain = await gateway('plain.db', false);
const grouped = await gateway('groups.db', true);
const target = { kind: 'ok' as const, target: parseOriginalUrl('https://app.example.test/wiki/page')! };
const inputs = (f: typeof plain.fixtures) => ({
  token: { authorization: `Bearer ${f.accessToken}`, cookie: undefined, wantsHtml: false, target },
  cookie: { authorization: undefined, cookie: `sso_session=${f.ssoSession}`, wantsHtml: false, target },
  pat: { authorization: `Bearer ${f.pat}`, cookie: undefined, wantsHtml: false, target },
});
const sets = { plain: inputs(plain.fixtures), groups: inputs(grouped.fixtures) };
const results: Record<string, { plain: number[]; groups: number[] }> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const path of ['token', 'cookie', 'pat'] as const) {
    results[path] ??= { plain: [], groups: [] };
    for (const which of ['plain', 'groups'] as const) {
      const fa = which === 'plain' ? plain.fa : grouped.fa;
      const input = sets[which][path];
      const t = performance.now();
      for (let i = 0; i < N; i++) {
        const d = await fa.decide(input);
        if (d.kind !== 'allow') throw new Error(`${which} ${path}: ${d.kind}`);
        if (which === 'groups' && i === 0 && !d.identity.groups.has('team-19')) throw new Error('groups not loaded');
      }
      results[path][which].push(((performance.now() - t) * 1e6) / N);
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const summary = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, { plainNs: Math.round(median(v.plain)), groupsNs: Math.round(median(v.groups)) }]));
process.stdout.write(`${JSON.stringify({ n: N, rounds: ROUNDS, medianNsPerDecide: summary })}\n`);
await closeDeps(plain.deps);
await closeDeps(grouped.deps);
rmSync(dir, { recursive: true, force: true });
