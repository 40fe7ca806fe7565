#!/usr/bin/env bash
# CI smoke run: every fuzz target for a few seconds (FUZZ_SMOKE_SECONDS, default 5); fails on
# any crash. See run.sh.
exec "$(dirname "$0")/run.sh" "${FUZZ_SMOKE_SECONDS:-5}"
