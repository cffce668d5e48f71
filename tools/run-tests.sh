#!/usr/bin/env bash
# Runs the independent test groups of `make test` in parallel and reports each.
#
#   rasa   Rasa's own NLU and story tests, then the action and botserver tests (.venv-bot)
#          and the 3-minute soak (tests/soak, .venv; bench/soak.py)
#   e2e    pytest tests/e2e: the real processes (mostly waiting on Rasa and the app)
#   fast   pytest tests/unit tests/integration (SQLite and PostgreSQL)
#
# Each group writes var/test-logs/<group>.log; a failed group's log is printed in
# full, the others' last lines. Exit status 1 if any group failed. PYTEST_ARGS is
# passed to both pytest groups.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=var/test-logs
rm -rf "$logs" && mkdir -p "$logs"

run_group() {
  local name=$1; shift
  local started=$SECONDS
  ( "$@" ) >"$logs/$name.log" 2>&1
  local status=$?
  echo "$status $((SECONDS - started))" >"$logs/$name.status"
}

# shellcheck disable=SC2086
run_group rasa bash -c 'make --no-print-directory bot-test && .venv-bot/bin/python -m pytest -c tests/actions/pytest.ini tests/actions tests/botserver -q && .venv/bin/pytest tests/soak -q -s' &
run_group e2e .venv/bin/pytest tests/e2e ${PYTEST_ARGS:-} &
run_group fast .venv/bin/pytest tests/unit tests/integration ${PYTEST_ARGS:-} &
wait

failed=0
for name in rasa e2e fast; do
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
exit $failed
