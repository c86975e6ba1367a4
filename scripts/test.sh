#!/usr/bin/env bash
# Runs every test file under dist/test (build first: npm test does).
# The MPI tests run afterwards on their own: they measure how several ranks share one host against
# the mock farm, all on this machine, and another test file's load beside them would slow the
# ranks' epochs enough to decide their figures.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find dist/test -name '*.test.js' -not -path 'dist/test/mpi/*' | sort)
node --test --test-concurrency=2 --test-timeout=300000 "${files[@]}"
mapfile -t mpi < <(find dist/test/mpi -name '*.test.js' | sort)
node --test --test-concurrency=1 --test-timeout=300000 "${mpi[@]}"
