// Static checks of deploy/kubernetes/: every document parses (yaml) and validates against the Kubernetes object
// schemas (kubernetes-models, Kubernetes 1.27+); the kustomization lists every file; and the cross-references hold
// (selectors match the pod labels, Service/NetworkPolicy/probe ports name container ports, probe paths are the
// gateway's, the ConfigMap passes the gateway's own config validation and holds no secret, the grace period covers
// preStop + the gateway's drain delay). Each cross-reference check also runs on a broken copy to show it can fail.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { REPO_ROOT } from '../support/nginx.js';

const DIR = join(REPO_ROOT, 'deploy', 'kubernetes');

type Doc = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> } } & Record<string, unknown>;

/** apiVersion/kind → the model whose validate() checks the object schema. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

function manifestFiles(): string[] {
  return readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml').sort();
}

function parseFile(file: string): Doc[] {
  const docs = parseAllDocuments(readFileSync(join(DIR, file), 'utf8'));
  return docs.map((d, i) => {
    assert.equal(d.errors.length, 0, `${file} document ${i}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as Doc;
  });
}

function shippedDocs(): Doc[] {
  return manifestFiles().flatMap(parseFile);
}

/** Schema problems of one document ('' when valid). */
function schemaProblem(doc: Doc): string {
  const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (!Model) return `${doc.apiVersion}/${doc.kind} ${doc.metadata?.name}: no schema known for this kind`;
  try {
    new Model(doc as never).validate();
    return '';
  } catch (err) {
    return `${doc.kind} ${doc.metadata?.name}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

// Loose shapes of the fields the cross-reference checks read (the schema check has already typed them).
interface Container {
  name: string;
  ports?: { name?: string; containerPort: number }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; runAsNonRoot?: boolean };
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
}

const byKind = (docs: Doc[], kind: string) => docs.filter((d) => d.kind === kind) as (Doc & { spec: any; data?: Record<string, string> })[];

/** The one value of GATEWAY_SHUTDOWN_DELAY_MS's default (config.ts) and DRAIN_TIMEOUT_MS (main.ts), in ms. */
function gatewayDrain(): { defaultDelayMs: number; drainTimeoutMs: number } {
  const main = readFileSync(join(REPO_ROOT, 'src', 'main.ts'), 'utf8');
  const config = readFileSync(join(REPO_ROOT, 'src', 'config.ts'), 'utf8');
  const drain = /const DRAIN_TIMEOUT_MS = ([\d_]+);/.exec(main);
  const delay = /GATEWAY_SHUTDOWN_DELAY_MS: .*\.default\(([\d_]+)\)/.exec(config);
  assert.ok(drain && delay, 'DRAIN_TIMEOUT_MS in src/main.ts and the GATEWAY_SHUTDOWN_DELAY_MS default in src/config.ts');
  return { drainTimeoutMs: Number(drain[1]!.replace(/_/g, '')), defaultDelayMs: Number(delay[1]!.replace(/_/g, '')) };
}

function preStopSeconds(c: Container): number | null {
  const hook = c.lifecycle?.preStop;
  if (hook?.sleep) return hook.sleep.seconds;
  const cmd = hook?.exec?.command;
  if (cmd && cmd.length === 2 && cmd[0] === 'sleep' && /^\d+$/.test(cmd[1]!)) return Number(cmd[1]);
  return null;
}

const matches = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Every broken cross-reference between the documents, as sentences. */
function crossReferenceProblems(docs: Doc[]): string[] {
  const problems: string[] = [];
  const [deployment, ...moreDeployments] = byKind(docs, 'Deployment');
  if (!deployment || moreDeployments.length > 0) return ['exactly one Deployment expected'];
  const pod = deployment.spec.template as { metadata: { labels: Record<string, string> }; spec: PodSpec };
  const labels = pod.metadata.labels;
  const gateway = pod.spec.containers.find((c) => c.name === 'gateway');
  if (!gateway) return ['the Deployment has no container named gateway'];
  const portByName = new Map((gateway.ports ?? []).map((p) => [p.name, p.containerPort]));
  const portOk = (port: string | number | undefined) => (typeof port === 'number' ? [...portByName.values()].includes(port) : portByName.has(port));

  if (deployment.spec.replicas !== 2) problems.push(`Deployment replicas is ${deployment.spec.replicas}, expected 2`);
  if (!matches(deployment.spec.selector?.matchLabels, labels)) problems.push('Deployment selector does not match its pod labels');

  const configMaps = byKind(docs, 'ConfigMap');
  const configMap = configMaps.find((c) => gateway.envFrom?.some((e) => e.configMapRef?.name === c.metadata.name));
  if (!configMap) problems.push('the gateway container takes no envFrom of a shipped ConfigMap');
  if (!gateway.envFrom?.some((e) => e.secretRef?.name)) problems.push('the gateway container references no Secret');
  if (byKind(docs, 'Secret').length > 0) problems.push('a Secret with values is shipped; only a reference belongs here');
  const env = configMap?.data ?? {};
  for (const key of Object.keys(env)) {
    if (/DATABASE_URL|REDIS_URL|PASSWORD|SECRET|TOKEN/.test(key)) problems.push(`ConfigMap holds ${key}, which carries a secret`);
  }
  // The gateway's own validation, with a stand-in for what the Secret provides.
  const parsed = loadConfig({ ...env, GATEWAY_DATABASE_URL: 'mysql://u:p@db:3306/gw', GATEWAY_REDIS_URL: 'redis://redis:6379' });
  if (!parsed.ok) problems.push(`ConfigMap fails the gateway's config validation: ${parsed.errors.join('; ')}`);
  if (portByName.get('http') !== Number(env.GATEWAY_PORT ?? 8081)) problems.push(`container port http is not GATEWAY_PORT (${env.GATEWAY_PORT})`);
  const metricsPort = /:(\d+)$/.exec(env.GATEWAY_METRICS_ADDR ?? '')?.[1];
  if (portByName.get('metrics') !== 9464 || metricsPort !== '9464') problems.push('the metrics port (named metrics, 9464) and GATEWAY_METRICS_ADDR disagree');

  if (gateway.readinessProbe?.httpGet?.path !== '/readyz' || !portOk(gateway.readinessProbe.httpGet.port)) problems.push('readiness probe is not GET /readyz on a container port');
  if (gateway.livenessProbe?.httpGet?.path !== '/healthz' || !portOk(gateway.livenessProbe.httpGet.port)) problems.push('liveness probe is not GET /healthz on a container port');

  const { defaultDelayMs, drainTimeoutMs } = gatewayDrain();
  const delayMs = Number(env.GATEWAY_SHUTDOWN_DELAY_MS ?? defaultDelayMs);
  const preStop = preStopSeconds(gateway);
  const grace = pod.spec.terminationGracePeriodSeconds ?? 30;
  if (preStop === null || preStop < 1) problems.push('no preStop sleep (the pod must leave the endpoints before SIGTERM)');
  else {
    const needed = preStop + Math.ceil(delayMs / 1000) + Math.ceil(drainTimeoutMs / 1000);
    if (grace < needed) problems.push(`terminationGracePeriodSeconds ${grace} < preStop ${preStop} s + shutdown delay ${delayMs} ms + drain ${drainTimeoutMs} ms`);
    if (grace > needed + 15) problems.push(`terminationGracePeriodSeconds ${grace} is far above the ${needed} s the gateway needs`);
    if (preStop * 1000 !== delayMs) problems.push(`preStop ${preStop} s does not match GATEWAY_SHUTDOWN_DELAY_MS ${delayMs}`);
  }

  const sc = gateway.securityContext ?? {};
  if (!(pod.spec.securityContext?.runAsNonRoot || sc.runAsNonRoot)) problems.push('not runAsNonRoot');
  if (!sc.readOnlyRootFilesystem) problems.push('root filesystem is writable');
  if (sc.allowPrivilegeEscalation !== false) problems.push('privilege escalation allowed');
  if (!gateway.resources?.requests?.cpu || !gateway.resources.requests.memory || !gateway.resources.limits?.memory) problems.push('resources lack cpu/memory requests or a memory limit');

  const [service] = byKind(docs, 'Service');
  if (!service || !matches(service.spec.selector, labels)) problems.push('Service selector does not match the pod labels');
  for (const p of (service?.spec.ports ?? []) as { name: string; targetPort: string | number }[]) {
    if (!portOk(p.targetPort)) problems.push(`Service port ${p.name} targets ${p.targetPort}, no container port`);
  }
  if (!(service?.spec.ports ?? []).some((p: { name: string }) => p.name === 'metrics')) problems.push('Service has no port named metrics (ServiceMonitor)');

  const [pdb] = byKind(docs, 'PodDisruptionBudget');
  if (!pdb || !matches(pdb.spec.selector?.matchLabels, labels)) problems.push('PodDisruptionBudget selector does not match the pod labels');
  else if (typeof pdb.spec.minAvailable === 'number' && pdb.spec.minAvailable >= deployment.spec.replicas) problems.push('PodDisruptionBudget allows no disruption');

  const [hpa] = byKind(docs, 'HorizontalPodAutoscaler');
  const target = hpa?.spec.scaleTargetRef;
  if (!hpa || target.kind !== 'Deployment' || target.name !== deployment.metadata.name) problems.push('HorizontalPodAutoscaler does not target the Deployment');
  else if (hpa.spec.minReplicas < deployment.spec.replicas) problems.push('HorizontalPodAutoscaler minReplicas is below the Deployment replicas');

  const [policy] = byKind(docs, 'NetworkPolicy');
  if (!policy || !matches(policy.spec.podSelector?.matchLabels, labels)) problems.push('NetworkPolicy podSelector does not match the pod labels');
  for (const rule of (policy?.spec.ingress ?? []) as { ports?: { port: string | number }[] }[]) {
    for (const p of rule.ports ?? []) if (!portOk(p.port)) problems.push(`NetworkPolicy admits port ${p.port}, no container port`);
  }
  return problems;
}

/** A deep copy of the shipped documents with one change applied to the document of `kind`. */
function broken(kind: string, change: (doc: any) => void): Doc[] {
  const docs = structuredClone(shippedDocs());
  change(docs.find((d) => d.kind === kind));
  return docs;
}

describe('Kubernetes manifests (deploy/kubernetes/)', () => {
  test('the kustomization lists every manifest file, and every listed file exists', () => {
    const [kustomization] = parseFile('kustomization.yaml') as unknown as { resources: string[] }[];
    assert.deepEqual([...kustomization!.resources].sort(), manifestFiles());
  });

  test('every document parses and validates against its Kubernetes object schema', () => {
    const docs = shippedDocs();
    assert.deepEqual(docs.map((d) => d.kind).sort(), ['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'Service']);
    assert.deepEqual(docs.map(schemaProblem).filter(Boolean), []);
    // The schema check rejects a wrong type and an unknown kind.
    const bad = broken('Deployment', (d) => (d.spec.template.spec.containers[0].ports[0].containerPort = 'http'));
    assert.match(schemaProblem(bad.find((d) => d.kind === 'Deployment')!), /containerPort must be integer/);
    assert.match(schemaProblem({ apiVersion: 'v1', kind: 'Widget', metadata: { name: 'w' } }), /no schema known/);
  });

  test('selectors, ports, probes, config, security and the grace period refer to each other consistently', () => {
    assert.deepEqual(crossReferenceProblems(shippedDocs()), []);
  });

  test('each cross-reference check fails on a broken copy', () => {
    const cases: [string, string, (doc: any) => void, RegExp][] = [
      ['Deployment', 'pod label changed', (d) => (d.spec.template.metadata.labels['app.kubernetes.io/component'] = 'other'), /Deployment selector/],
      ['Service', 'Service targets a missing port', (d) => (d.spec.ports[0].targetPort = 'web'), /Service port http targets web/],
      ['Service', 'Service selector changed', (d) => (d.spec.selector['app.kubernetes.io/name'] = 'x'), /Service selector/],
      ['PodDisruptionBudget', 'PDB selector changed', (d) => (d.spec.selector.matchLabels = { app: 'x' }), /PodDisruptionBudget selector/],
      ['HorizontalPodAutoscaler', 'HPA target renamed', (d) => (d.spec.scaleTargetRef.name = 'other'), /does not target/],
      ['NetworkPolicy', 'policy admits an unknown port', (d) => (d.spec.ingress[0].ports[0].port = 'web'), /admits port web/],
      ['Deployment', 'readiness on /healthz', (d) => (d.spec.template.spec.containers[0].readinessProbe.httpGet.path = '/healthz'), /readiness probe/],
      ['Deployment', 'liveness on a missing port', (d) => (d.spec.template.spec.containers[0].livenessProbe.httpGet.port = 'web'), /liveness probe/],
      ['Deployment', 'grace period too short', (d) => (d.spec.template.spec.terminationGracePeriodSeconds = 10), /terminationGracePeriodSeconds 10 </],
      ['Deployment', 'no preStop', (d) => delete d.spec.template.spec.containers[0].lifecycle, /no preStop/],
      ['Deployment', 'writable root fs', (d) => (d.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false), /root filesystem/],
      ['Deployment', 'runs as root', (d) => (d.spec.template.spec.securityContext.runAsNonRoot = false), /runAsNonRoot/],
      ['Deployment', 'no resources', (d) => delete d.spec.template.spec.containers[0].resources, /resources/],
      ['Deployment', 'one replica', (d) => (d.spec.replicas = 1), /replicas is 1/],
      ['ConfigMap', 'a database URL in the ConfigMap', (d) => (d.data.GATEWAY_DATABASE_URL = 'mysql://u:p@db/gw'), /ConfigMap holds GATEWAY_DATABASE_URL/],
      ['ConfigMap', 'an invalid mode', (d) => (d.data.GATEWAY_MODE = 'production'), /config validation: GATEWAY_MODE/],
      ['ConfigMap', 'shutdown delay longer than preStop', (d) => (d.data.GATEWAY_SHUTDOWN_DELAY_MS = '9000'), /does not match GATEWAY_SHUTDOWN_DELAY_MS/],
      ['ConfigMap', 'metrics on another port', (d) => (d.data.GATEWAY_METRICS_ADDR = '0.0.0.0:9100'), /metrics port/],
    ];
    for (const [kind, what, change, expected] of cases) {
      const problems = crossReferenceProblems(broken(kind, change));
      assert.ok(problems.some((p) => expected.test(p)), `${what}: expected a problem matching ${expected}, got ${JSON.stringify(problems)}`);
    }
  });

  test('the grace period is derived from the gateway drain values in src/main.ts and src/config.ts', () => {
    const { drainTimeoutMs, defaultDelayMs } = gatewayDrain();
    assert.equal(drainTimeoutMs, 10_000);
    assert.equal(defaultDelayMs, 2000);
  });
});
