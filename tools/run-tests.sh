#!/usr/bin/env bash
# `make test`: sets up what is missing and runs every test, each part as soon as what
# it needs is there, so that the two cores are never idle while something could run.
#
#   setup   both environments side by side; then the article index (one e5 thread)
#           beside the Rasa training (TensorFlow), Chromium and axe-core
#   checks  ruff, the import-layer contracts, mypy, `diodo knowledge check`
#           (needs the app environment only)
#   fast    pytest tests/unit tests/integration, SQLite and PostgreSQL (needs the app
#           environment and the article index)
#   rasa    rasa data validate, Rasa's own NLU and story tests, the action and
#           botserver tests (.venv-bot), then the 3-minute soak (tests/soak; bench/soak.py)
#   e2e     pytest tests/e2e: the real processes and headless Chromium
#           (rasa and e2e need everything)
#
# Each part writes var/test-logs/<part>.log; a failed part's log is printed in full,
# the others' last lines. Exit status 1 if any part failed. PYTEST_ARGS is passed to
# both pytest groups.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=var/test-logs
rm -rf "$logs" && mkdir -p "$logs"
MAKE="make --no-print-directory"

run_group() {
  local name=$1; shift
  local started=$SECONDS
  ( "$@" ) >"$logs/$name.log" 2>&1
  local status=$?
  echo "$status $((SECONDS - started))" >"$logs/$name.status"
  echo "-- $name: $([ "$status" = 0 ] && echo done || echo FAILED) after $((SECONDS - started))s (at $SECONDS s)"
  return "$status"
}

report() {
  local failed=0 name status seconds
  for name in "$@"; do
    read -r status seconds <"$logs/$name.status"
    if [ "$status" = 0 ]; then
      echo "== $name: passed in ${seconds}s"
      tail -n 3 "$logs/$name.log"
    else
      echo "== $name: FAILED (exit $status) after ${seconds}s; full log:"
      cat "$logs/$name.log"
      failed=1
    fi
  done
  return $failed
}

# Waits until a part has finished; succeeds if it passed.
passed() {
  local name=$1 status
  while [ ! -f "$logs/$name.status" ]; do sleep 1; done
  read -r status _ <"$logs/$name.status"
  [ "$status" = 0 ]
}

# Records a part that could not run because a part it needs failed.
skipped() {
  echo "not run: $2 failed" >"$logs/$1.log"
  echo "1 0" >"$logs/$1.status"
}

# The two environments install side by side (pip is mostly waiting on disk and archives).
run_group app-env $MAKE .venv/.installed &
run_group bot-env $MAKE .venv-bot/.installed &
if ! passed app-env; then
  wait
  report app-env bot-env
  exit 1
fi

run_group checks bash -c "$MAKE lint typecheck && .venv/bin/diodo knowledge check" &
run_group knowledge $MAKE knowledge &
# The Rasa side: train once the Rasa environment is there; Chromium and axe-core meanwhile.
( if passed bot-env; then run_group model $MAKE train browser axe; else skipped model bot-env; fi ) &
# shellcheck disable=SC2086
( if passed knowledge; then run_group fast .venv/bin/pytest tests/unit tests/integration ${PYTEST_ARGS:-}
  else skipped fast knowledge; fi ) &

if passed model && passed knowledge; then
  # shellcheck disable=SC2086
  run_group e2e .venv/bin/pytest tests/e2e ${PYTEST_ARGS:-} &
  run_group rasa bash -c 'make --no-print-directory validate bot-test &&
    .venv-bot/bin/python -m pytest -c tests/actions/pytest.ini tests/actions tests/botserver -q &&
    .venv/bin/pytest tests/soak -q -s' &
else
  skipped e2e "model or knowledge"
  skipped rasa "model or knowledge"
fi
wait
echo "== all parts finished after ${SECONDS}s"
report app-env bot-env knowledge model checks fast rasa e2e
