#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/run-mr-request.sh - the mr-request row: see bench/run-ms-register.sh.
exec bash "$(dirname "$0")/run-ms-register.sh" request
