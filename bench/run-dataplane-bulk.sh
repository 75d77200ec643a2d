#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/run-dataplane-bulk.sh - the dataplane-bulk row: see bench/run-dataplane.sh.
exec bash "$(dirname "$0")/run-dataplane.sh" bulk
