#!/usr/bin/env bash
# bench/run-mr-request.sh - the mr-request row: see bench/run-ms-register.sh.
exec bash "$(dirname "$0")/run-ms-register.sh" request
