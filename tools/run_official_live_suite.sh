#!/usr/bin/env bash
# Run shotgun_api3's own test suite, as published, against a fresh `callsheet serve`.
#
# Usage: tools/run_official_live_suite.sh [PYTHON_API_CHECKOUT] [pytest args...]
#
#   PYTHON_API_CHECKOUT  a checkout of github.com/shotgunsoftware/python-api (or set
#                        CALLSHEET_PYTHON_API): its tests/ folder with its own base.py, fixtures
#                        and example_config, and its own shotgun_api3 package. Nothing is fetched.
#   pytest args          default: the tests that talk to a server, tests/test_api.py
#                        tests/test_api_long.py tests/test_proxy.py. Pass `tests` for the whole
#                        suite as its CI runs it (test_unit.py::TestCerts then needs internet).
#
# Example: git clone https://github.com/shotgunsoftware/python-api /tmp/python-api
#          tools/run_official_live_suite.sh /tmp/python-api
#
# The checkout is copied into a scratch folder (it is never written to) and configured the way
# its CI does it (azure-pipelines-templates/run-tests.yml): `cp tests/example_config
# tests/config`, then SG_* environment variables for the server and accounts. The only set-up is
# the script and the person, made with the CLI; the person is an Admin, as on ShotGrid's own test
# site. Everything else (project, shots, ...) the suite creates itself (base.py `_setup_db`).
# pytest runs from the scratch copy, so the tests import the checkout's own shotgun_api3.
# Environment: CALLSHEET_SUITE_PORT (default 18931), CALLSHEET_SUITE_DATABASE (a PostgreSQL URL
# for an empty database; default: a SQLite data folder in the scratch folder).
set -euo pipefail

if [[ $# -gt 0 && -d $1/tests ]]; then
    checkout=$1
    shift
else
    checkout=${CALLSHEET_PYTHON_API:?usage: $0 PYTHON_API_CHECKOUT [pytest args...] (or set CALLSHEET_PYTHON_API)}
fi
[[ -f $checkout/tests/base.py && -d $checkout/shotgun_api3 ]] ||
    { echo "$checkout is not a python-api checkout (no tests/base.py or shotgun_api3/)" >&2; exit 2; }
[[ $# -gt 0 ]] || set -- tests/test_api.py tests/test_api_long.py tests/test_proxy.py

repo=$(cd "$(dirname "$0")/.." && pwd)
python="$repo/.venv/bin/python"
callsheet="$repo/.venv/bin/callsheet"
port=${CALLSHEET_SUITE_PORT:-18931}
scratch=$(mktemp -d /tmp/callsheet-live-suite.XXXXXX)

mkdir "$scratch/python-api"
cp -r "$checkout/shotgun_api3" "$checkout/tests" "$scratch/python-api/"
cp "$scratch/python-api/tests/example_config" "$scratch/python-api/tests/config"
commit=$(git -C "$checkout" rev-parse HEAD 2>/dev/null || echo "unknown (not a git checkout)")

if [[ -n ${CALLSHEET_SUITE_DATABASE:-} ]]; then
    where=(--database "$CALLSHEET_SUITE_DATABASE")
else
    where=(--data "$scratch/data")
fi
export SG_SERVER_URL="http://127.0.0.1:$port"
export SG_SCRIPT_NAME="test script name" SG_API_KEY="test script api key"
export SG_HUMAN_LOGIN="sgunittesthuman" SG_HUMAN_NAME="Sg unittest human"
export SG_HUMAN_PASSWORD="human password"
"$callsheet" script create "$SG_SCRIPT_NAME" --key "$SG_API_KEY" "${where[@]}" >/dev/null
"$callsheet" user create "$SG_HUMAN_LOGIN" --name "$SG_HUMAN_NAME" \
    --password "$SG_HUMAN_PASSWORD" --permission-group Admin "${where[@]}" >/dev/null
# The suite downloads attachments by id from a URL with a port, where the client sends no cookie:
# only this test rig opts into cookieless downloads from this machine (docs/configuration.md).
"$callsheet" serve "${where[@]}" --port "$port" --allow-cookieless-local-downloads \
    >"$scratch/serve.log" 2>&1 &
server=$!
trap 'kill "$server"' EXIT
for _ in $(seq 100); do
    curl -sf -o /dev/null "$SG_SERVER_URL/api3/json" \
        -d '{"method_name": "info", "params": []}' && break
    sleep 0.1
done

cd "$scratch/python-api"
echo "python-api $commit, shotgun_api3 $("$python" -c 'import shotgun_api3; print(shotgun_api3.__version__, shotgun_api3.__file__)')"
echo "scratch folder $scratch"
"$python" -m pytest -p no:cacheprovider -q -rfEs "$@"
