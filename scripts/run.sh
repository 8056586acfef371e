#!/usr/bin/env bash
# Bring up the whole system with embedded defaults: SQLite, local Redis, console transports.
# Web on http://127.0.0.1:${PORT:-5000}, one RQ worker, the FastAGI server (and the call service when
# voice goes through Asterisk); Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export FLASK_APP=app
# The installation's keys, made once and kept in instance/ readable by this user only (see README, Security).
mkdir -p instance && chmod 700 instance
if [ ! -s instance/secret-key ]; then
  (umask 077; $PY -c "import secrets; print(secrets.token_urlsafe(48))" > instance/secret-key)
fi
if [ ! -s instance/trunk-secret-key ]; then
  (umask 077; $PY -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())" \
    > instance/trunk-secret-key)
fi
export SECRET_KEY="${SECRET_KEY:-$(cat instance/secret-key)}"
export TRUNK_SECRET_KEY="${TRUNK_SECRET_KEY:-$(cat instance/trunk-secret-key)}"
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
# Each loop below runs in a process group of its own: stopping the group stops the loop and its process.
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM
# Each process is started again if it ever exits: one crashed process must not take the others down.
keep_running() {
  set -m
  ( while true; do "$@" || true; echo "$* exited; starting it again in 2 s" >&2; sleep 2; done ) & pids+=($!)
  set +m
}
keep_running $PY worker.py
keep_running $PY -m ivr.fastagi
# Alert calls through Asterisk: the call service places them and reads their outcomes from AMI.
case "${VOICE_TRANSPORT:-console}" in asterisk|per-room) keep_running $PY -m voice.call_events ;; esac
echo "Uitkijk is running: http://127.0.0.1:${PORT:-5000}/  (API: /api/openapi.json)"
# The web through gunicorn; MODE=development uses Flask's development server instead.
if [ "${MODE:-production}" = development ]; then
  keep_running $PY -m flask run --host 127.0.0.1 --port "${PORT:-5000}"
else
  keep_running .venv/bin/gunicorn --bind "127.0.0.1:${PORT:-5000}" --workers "${WEB_WORKERS:-2}" --threads 4 \
    --access-logfile - "app:create_app()"
fi
wait
