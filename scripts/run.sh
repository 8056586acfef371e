#!/usr/bin/env bash
# Bring up the whole system with embedded defaults: SQLite, local Redis, console transports.
# Web on http://127.0.0.1:${PORT:-5000}, one RQ worker, the FastAGI server; Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export FLASK_APP=app
bash scripts/services.sh
$PY -m flask migrate
$PY -m flask load-demo
$PY -m tts_prompts render
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
$PY worker.py & pids+=($!)
if [ -f ivr/fastagi.py ]; then $PY -m ivr.fastagi & pids+=($!); fi
echo "Uitkijk is running: http://127.0.0.1:${PORT:-5000}/  (API: /api/openapi.json)"
$PY -m flask run --host 127.0.0.1 --port "${PORT:-5000}" & pids+=($!)
wait -n "${pids[@]}"
