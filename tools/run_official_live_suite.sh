#!/usr/bin/env bash
# Run shotgun_api3's own live tests (test_api.py, test_api_long.py) against a fresh Callsheet.
#
# Usage: tools/run_official_live_suite.sh SDIST_TESTS_DIR BASE_PY [pytest args...]
#
#   SDIST_TESTS_DIR  the tests/ folder of the shotgun_api3 sdist (pip download --no-binary :all:
#                    shotgun_api3==3.10.3, then extract it).
#   BASE_PY          a tests/base.py for those tests (the sdist leaves it out): pass
#                    tools/official_suite_base.py, Callsheet's own.
#
# Example: tools/run_official_live_suite.sh /tmp/shotgun_api3-3.10.3/tests \
#              tools/official_suite_base.py
#
# Nothing from the official suite is kept in this repository: the tests are copied into a
# scratch folder, given a config pointing at a server started here (one script and one person
# made with the CLI are the only set-up), run, and the server is stopped.
# Environment: CALLSHEET_SUITE_PORT (default 18931), CALLSHEET_SUITE_DATABASE (a PostgreSQL URL
# for an empty database; default: a SQLite data folder in the scratch folder).
set -euo pipefail

tests_dir=${1:?usage: $0 SDIST_TESTS_DIR BASE_PY [pytest args...]}
base_py=${2:?usage: $0 SDIST_TESTS_DIR BASE_PY [pytest args...]}
shift 2
repo=$(cd "$(dirname "$0")/.." && pwd)
python="$repo/.venv/bin/python"
callsheet="$repo/.venv/bin/callsheet"
port=${CALLSHEET_SUITE_PORT:-18931}
scratch=$(mktemp -d /tmp/callsheet-live-suite.XXXXXX)

cp -r "$tests_dir" "$scratch/tests"
cp "$base_py" "$scratch/tests/base.py"
touch "$scratch/tests/__init__.py"
# The upload tests read two JPEGs the sdist does not ship; any small JPEG will do.
"$python" - "$scratch/tests" <<'PY'
import sys
from pathlib import Path

from PIL import Image

for name in ("sg_logo.jpg", "Noëlご.jpg"):
    Image.new("RGB", (64, 48), (200, 80, 20)).save(Path(sys.argv[1]) / name, "JPEG")
PY
cat >"$scratch/tests/config" <<EOF
[SERVER_INFO]
server_url     : http://127.0.0.1:$port
script_name    : test script name
api_key        : test script api key
http_proxy     :
session_uuid   :

[TEST_DATA]
project_name   : PTR unittest project
human_name     : Sg unittest human
human_login    : sgunittesthuman
human_password : human password
asset_code     : Sg unittest asset
version_code   : Sg unittest version
shot_code      : Sg unittest shot
task_content   : Sg unittest task
playlist_code  : Sg unittest playlist
EOF

if [[ -n ${CALLSHEET_SUITE_DATABASE:-} ]]; then
    where=(--database "$CALLSHEET_SUITE_DATABASE")
else
    where=(--data "$scratch/data")
fi
"$callsheet" script create "test script name" --key "test script api key" "${where[@]}" >/dev/null
"$callsheet" user create sgunittesthuman --name "Sg unittest human" \
    --password "human password" --permission-group Admin "${where[@]}" >/dev/null
"$callsheet" serve "${where[@]}" --port "$port" >"$scratch/serve.log" 2>&1 &
server=$!
trap 'kill "$server"' EXIT
for _ in $(seq 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/api3/json" \
        -d '{"method_name": "info", "params": []}' && break
    sleep 0.1
done

cd "$scratch"
"$python" -m pytest tests/test_api.py tests/test_api_long.py -p no:cacheprovider -q -rfEs "$@"
