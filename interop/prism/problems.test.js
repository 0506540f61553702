// The rule that turns Prism's findings into failures, on findings as Prism 5.14.2 writes them in
// sl-violations: the overlay's exception is for 401 and 429's unmatched status alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { problems } from './prism.js';

const unmatched = { location: ['response'], severity: 'Warning', message: 'Unable to match the returned status code with those defined in the document: 200,403,404,422' };
const badBody = { location: ['response', 'body'], severity: 'Error', code: 'required', message: "Response body must have required property 'errors'" };
const noKey = { location: ['request'], severity: 'Error', code: 401, message: 'Invalid security scheme used' };

test('an overlay status is excepted from the unmatched-status finding only', () => {
  assert.deepEqual(problems({ status: 401, violations: [unmatched] }), []);
  assert.deepEqual(problems({ status: 429, violations: [unmatched] }), []);
  assert.equal(problems({ status: 401, violations: [unmatched, badBody] }).length, 1, 'a body finding on a 401 still fails');
});

test('any other response finding fails, warnings included', () => {
  assert.match(problems({ status: 500, violations: [unmatched] }).join(), /Unable to match/);
  assert.match(problems({ status: 404, violations: [badBody] }).join(), /'errors'/);
});

test('a request finding fails unless the test named it, and a named one must be there', () => {
  assert.match(problems({ status: 401, violations: [noKey] }).join(), /Invalid security scheme/);
  assert.deepEqual(problems({ status: 401, violations: [noKey] }, [/Invalid security scheme/]), []);
  assert.match(problems({ status: 200, violations: [] }, [/Invalid security scheme/]).join(), /Prism reported none/);
  // A name for a request finding does not excuse a response finding with the same words.
  assert.match(problems({ status: 404, violations: [badBody] }, [/'errors'/]).join(), /^response\.body: Response body must/);
});
