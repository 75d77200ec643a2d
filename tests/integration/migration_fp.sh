#!/bin/bash
# SPDX-License-Identifier: ISC
# tests/integration/migration_fp.sh - migration.sh with lisp-xtrd's in-kernel fast path on: every
# lisp-xtrd of the scenario runs <fast-path mode="on"> (FAST_PATH=on); the scenario must
# pass alike and the fast path must have carried its packets. Skips, saying why, where the
# kernel refuses the programs.
export FAST_PATH=on
exec bash "$(dirname "$0")/migration.sh" "$@"
