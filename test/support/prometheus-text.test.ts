// The strict Prometheus text parser the metrics tests rely on: it reads what the format allows and refuses
// what a scraper would refuse.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePrometheusText, PrometheusTextError, sampleValue } from './prometheus-text.js';

const VALID = [
  '# HELP requests_total Requests by decision',
  '# TYPE requests_total counter',
  'requests_total{decision="allow"} 3',
  'requests_total{decision="odd \\"quoted\\" \\\\ value\\n"} 1 1700000000000',
  '',
  '# TYPE up gauge',
  'up 1',
  '# TYPE took_seconds histogram',
  'took_seconds_bucket{le="0.001"} 1',
  'took_seconds_bucket{le="0.01"} 2',
  'took_seconds_bucket{le="+Inf"} 2',
  'took_seconds_sum 0.0042',
  'took_seconds_count 2',
  '# a plain comment',
  '# TYPE lag gauge',
  'lag NaN',
  '# TYPE other gauge',
  'other{x="a"} Nan',
  'other{x="b"} -Inf',
  '',
].join('\n');

const refuse = (text: string, pattern: RegExp) => assert.throws(() => parsePrometheusText(text), (err: unknown) => err instanceof PrometheusTextError && pattern.test(err.message));

describe('the Prometheus text parser (test support)', () => {
  it('reads families, types, help, escaped label values, timestamps, histograms and NaN', () => {
    const families = parsePrometheusText(VALID);
    assert.deepEqual([...families.keys()], ['requests_total', 'up', 'took_seconds', 'lag', 'other']);
    assert.ok(Number.isNaN(sampleValue(families, 'other', { x: 'a' })), 'NaN in any case, as Prometheus reads it (prom-client writes "Nan")');
    assert.equal(sampleValue(families, 'other', { x: 'b' }), Number.NEGATIVE_INFINITY);
    assert.equal(families.get('requests_total')?.help, 'Requests by decision');
    assert.equal(sampleValue(families, 'requests_total', { decision: 'allow' }), 3);
    assert.equal(sampleValue(families, 'requests_total', { decision: 'odd "quoted" \\ value\n' }), 1);
    assert.equal(sampleValue(families, 'took_seconds_bucket', { le: '+Inf' }), 2);
    assert.equal(sampleValue(families, 'took_seconds_count'), 2);
    assert.ok(Number.isNaN(sampleValue(families, 'lag')));
    assert.equal(sampleValue(families, 'requests_total', { decision: 'deny' }), undefined);
  });

  it('refuses a sample without a TYPE, a bad name, broken labels, bad values and a missing final newline', () => {
    refuse('no_type 1\n', /no # TYPE/);
    refuse('# TYPE 1bad counter\n', /bad metric name/);
    refuse('# TYPE a counter\na{x="1} 2\n', /unterminated/);
    refuse('# TYPE a counter\na{x=1} 2\n', /not quoted/);
    refuse('# TYPE a counter\na{x="1",x="2"} 2\n', /twice/);
    refuse('# TYPE a counter\na{x="\\t"} 2\n', /bad escape/);
    refuse('# TYPE a counter\na{x="1" y="2"} 2\n', /separated/);
    refuse('# TYPE a counter\na one\n', /not a number/);
    refuse('# TYPE a counter\na 1 2 3\n', /expected/);
    refuse('# TYPE a counter\na 1', /newline/);
    refuse('# TYPE a widget\n', /unknown type/);
  });

  it('refuses repeated series, split families and histograms that do not add up', () => {
    refuse('# TYPE a counter\na 1\na 2\n', /given twice/);
    refuse('# TYPE a counter\n# TYPE b gauge\nb 1\na 1\n', /after another family/);
    refuse('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', /not cumulative/);
    refuse('# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', /\+Inf/);
    refuse('# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n', /differs from _count/);
  });
});
