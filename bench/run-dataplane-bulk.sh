#!/usr/bin/env bash
# bench/run-dataplane-bulk.sh - the dataplane-bulk row: see bench/run-dataplane.sh.
exec bash "$(dirname "$0")/run-dataplane.sh" bulk
