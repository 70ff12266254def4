#!/usr/bin/env bash
# The whole test suite: lint (including the layering rule), typecheck, electronegativity,
# the end-to-end specs (Playwright with Debian's Chromium; the Electron spec runs where an
# Electron runtime is installed and says on one line that it was skipped elsewhere), unit
# and integration tests.
# Integration tests start their own services (Secret Service here, relays and PostgreSQL
# in the test setup), so nothing needs to run beforehand.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== lint"; npx eslint .
echo "== typecheck"; npm run -s typecheck
# Electron security lint of src/ (fails on high severity); report in test-results/electronegativity/.
echo "== electronegativity"; node scripts/electronegativity.mjs
echo "== tests"
mkdir -p test-results
rm -f test-results/playwright.json test-results/vitest.json
status=0
# Before vitest, so the suite still closes with the summary line below.
echo "== e2e (browser target; the Electron shell where an Electron runtime is installed)"; scripts/with-secret-service.sh npx playwright test || status=$?
scripts/with-secret-service.sh npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json "$@" || status=$?
node scripts/print-test-summary.js test-results/vitest.json test-results/playwright.json || status=1
exit $status
