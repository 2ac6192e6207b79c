// The CLI's exit codes come from the error's code, never its message; connection failures (also wrapped) are 5.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CliError, EXIT, exitCodeFor, usageError } from '../../../src/admin/exit-codes.js';
import { alreadyExists, DependencyDownError, failedPrecondition, invalidArgument, notFound, permissionDenied, unavailable } from '../../../src/errors.js';

describe('admin CLI exit codes', () => {
  test('domain errors map by code', () => {
    assert.equal(exitCodeFor(notFound('x')), EXIT.NOT_FOUND);
    assert.equal(exitCodeFor(alreadyExists('x')), EXIT.REFUSED);
    assert.equal(exitCodeFor(failedPrecondition('x')), EXIT.REFUSED);
    assert.equal(exitCodeFor(permissionDenied()), EXIT.REFUSED);
    assert.equal(exitCodeFor(invalidArgument('x')), EXIT.USAGE);
    assert.equal(exitCodeFor(unavailable()), EXIT.DEPENDENCY_DOWN);
    assert.equal(exitCodeFor(usageError('x')), EXIT.USAGE);
    assert.equal(exitCodeFor(new CliError(EXIT.REFUSED, 'x')), EXIT.REFUSED);
  });

  test('a dependency that is down is 5, also wrapped or aggregated; anything else is 1', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    assert.equal(exitCodeFor(refused), EXIT.DEPENDENCY_DOWN);
    assert.equal(exitCodeFor(new Error('database migration failed', { cause: refused })), EXIT.DEPENDENCY_DOWN);
    assert.equal(exitCodeFor(new AggregateError([refused], 'all addresses')), EXIT.DEPENDENCY_DOWN);
    assert.equal(exitCodeFor(new DependencyDownError('redis', new Error('x'))), EXIT.DEPENDENCY_DOWN);
    assert.equal(exitCodeFor(new Error('something else')), EXIT.FAILURE);
    assert.equal(exitCodeFor('a string'), EXIT.FAILURE);
  });
});
