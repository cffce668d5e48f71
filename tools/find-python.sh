#!/usr/bin/env bash
# Print the path of a Python interpreter of the wanted version, or explain what to install.
# Usage: tools/find-python.sh 3.10        (exactly 3.10, for Rasa 3.6)
#        tools/find-python.sh 3.11+       (3.11 or newer, for the app)
set -euo pipefail
want=${1:?usage: find-python.sh 3.10|3.11+}

ok() {  # ok PYTHON -> true when it runs and has the wanted version
  local v
  v=$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || return 1
  case "$want" in
    3.10) [ "$v" = "3.10" ] ;;
    3.11+) [ "${v%%.*}" -eq 3 ] && [ "${v#*.}" -ge 11 ] ;;
  esac
}

candidates=()
if [ "$want" = "3.10" ]; then
  [ -n "${PYTHON310:-}" ] && candidates+=("$PYTHON310")
  candidates+=(python3.10)
  if command -v pyenv >/dev/null 2>&1; then
    for p in "$(pyenv root)"/versions/3.10.*/bin/python3.10; do candidates+=("$p"); done
  fi
  for p in "$HOME"/.pyenv/versions/3.10.*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do
    candidates+=("$p")
  done
else
  [ -n "${PYTHON311:-}" ] && candidates+=("$PYTHON311")
  candidates+=(python3.11 python3.12 python3.13 python3)
fi

for c in "${candidates[@]}"; do
  path=$(command -v "$c" 2>/dev/null || true)
  [ -n "$path" ] || continue
  if ok "$path"; then
    # pyenv shims answer even when the version is missing; resolve to the real binary.
    real=$("$path" -c 'import sys; print(sys.executable)')
    echo "$real"
    exit 0
  fi
done

if [ "$want" = "3.10" ]; then
  cat >&2 <<'MSG'
Python 3.10 was not found. Rasa Open Source 3.6 needs Python 3.10 (3.11 is not supported).
Install it, then run the command again, for example:
  - pyenv:          pyenv install 3.10.13
  - Debian/Ubuntu:  apt-get install python3.10 python3.10-venv   (deadsnakes PPA on Ubuntu)
  - or point to one: make run PYTHON310=/path/to/python3.10
MSG
else
  cat >&2 <<'MSG'
Python 3.11 or newer was not found. The DiODo app needs it.
Install it (e.g. `pyenv install 3.11`, or your system's python3.11 package), or point to one:
  make run PYTHON311=/path/to/python3.11
MSG
fi
exit 1
