#!/bin/bash
# SPDX-License-Identifier: ISC
# tests/integration/xtr_two_sites_fp.sh - xtr_two_sites.sh with lisp-xtrd's in-kernel fast path on: every
# lisp-xtrd of the scenario runs <fast-path mode="on"> (FAST_PATH=on); the scenario must
# pass alike and the fast path must have carried its packets. Skips, saying why, where the
# kernel refuses the programs.
export FAST_PATH=on
exec bash "$(dirname "$0")/xtr_two_sites.sh" "$@"
