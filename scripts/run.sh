#!/usr/bin/env bash
# Bring up the whole system with embedded defaults: SQLite, local Redis, console transports.
# Web on http://127.0.0.1:${PORT:-5000}, one RQ worker, the FastAGI server (and the call service when
# voice goes through Asterisk); Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export FLASK_APP=app
bash scripts/services.sh
$PY -m flask migrate
$PY -m flask load-demo
$PY -m tts_prompts render
# Plain http on loopback: the session cookie cannot be Secure here.
export SECURE_COOKIES="${SECURE_COOKIES:-0}"
# A first admin account, with a password made here and kept in instance/ (shown once).
if [ ! -f instance/admin-password ]; then
  password=$($PY -c "import secrets; print(secrets.token_urlsafe(12))")
  if $PY -m flask create-user --email admin@uitkijk.local --name Beheerder --role admin --password "$password"; then
    (umask 077; echo "$password" > instance/admin-password)
    echo "admin account: admin@uitkijk.local / $password (also in instance/admin-password)"
  fi
fi
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
$PY worker.py & pids+=($!)
$PY -m ivr.fastagi & pids+=($!)
# Alert calls through Asterisk: the call service places them and reads their outcomes from AMI.
case "${VOICE_TRANSPORT:-console}" in asterisk|per-room) $PY -m voice.call_events & pids+=($!) ;; esac
echo "Uitkijk is running: http://127.0.0.1:${PORT:-5000}/  (API: /api/openapi.json)"
$PY -m flask run --host 127.0.0.1 --port "${PORT:-5000}" & pids+=($!)
wait -n "${pids[@]}"
