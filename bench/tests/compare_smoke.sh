#!/usr/bin/env bash
# Smoke test of `parley-bench compare` against a real parleyd: a direct step and a fan-out step of about a
# second each must deliver everything they offered, with no errors, and write their results; the fan-out
# again with users from bench/admin-tokens (authenticate, no register/login) over two source addresses. Then
# `parley-bench sync` on 3 conversations and 30 messages must get every message back, and `parley-bench mixed`
# (20 users, a few seconds, reconnects every second) must deliver, type, flip presence and reconnect.
set -euo pipefail
BENCH=${1:?parley-bench path} PARLEYD=${2:?parleyd path}
dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-smoke.XXXXXX")
pid=""
cleanup() {
  [[ -n $pid ]] && kill -TERM "$pid" 2> /dev/null && wait "$pid" 2> /dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
"$PARLEYD" --listen 127.0.0.1:0 --port-file "$dir/port" --data-dir "$dir/data" --requests-per-second 10000 --user-messages-per-second 0 --conversation-messages-per-second 0 --admin-secret smoke \
  --log-level warn > "$dir/parleyd.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do [[ -s "$dir/port" ]] && break; sleep 0.1; done
[[ -s "$dir/port" ]] || { echo "parleyd did not start"; cat "$dir/parleyd.log"; exit 1; }

check() {  # check FILE: one run, every step ok, nothing missing, some deliveries
  local file=$1
  grep -q '"verdict": "ok"' "$file" || { echo "no ok step in $file"; cat "$file"; exit 1; }
  if grep -q '"verdict": "saturated\|"verdict": "latency' "$file"; then echo "a step failed in $file"; cat "$file"; exit 1; fi
  grep -q '"undelivered": 0' "$file" || { echo "deliveries missing in $file"; cat "$file"; exit 1; }
  grep -q '"connections_lost": 0' "$file" || { echo "connections lost in $file"; exit 1; }
  grep -Eq '"delivered": [1-9]' "$file" || { echo "nothing delivered in $file"; exit 1; }
  grep -q '"errors": {}' "$file" || { echo "errors in $file"; grep -A3 '"errors"' "$file"; exit 1; }
}

# Loose verdict thresholds: on a busy machine a stall can push deliveries out of a 1-second window; what this
# test checks is correctness (everything delivered, no errors), not speed.
common=(--protocol parley --port-file "$dir/port" --server-pid "$pid" --duration 1 --warmup 0.3 --drain 5
        --stop-below 0.5 --stop-p99-ms 5000)
"$BENCH" compare "${common[@]}" --scenario direct --pairs 2 --rates 200 --output "$dir/direct" 2> "$dir/direct.log" \
  || { cat "$dir/direct.log"; exit 1; }
check "$dir/direct.json"
"$BENCH" compare "${common[@]}" --scenario fanout --group-size 5 --rates 50 --output "$dir/fanout" 2> "$dir/fanout.log" \
  || { cat "$dir/fanout.log"; exit 1; }
check "$dir/fanout.json"
grep -Eq '"expected_deliveries": 2[0-9]{2}' "$dir/fanout.json" || { echo "fan-out did not reach 5 members"; cat "$dir/fanout.json"; exit 1; }

ADMIN_TOKENS=$(dirname "$0")/../admin-tokens
{ echo tks0; seq -f "tkr%g" 0 4; } | "$ADMIN_TOKENS" "$(cat "$dir/port")" smoke fanout > "$dir/fanout-tokens"
[[ $(wc -l < "$dir/fanout-tokens") -eq 6 ]] || { echo "admin-tokens: expected 6 tokens"; cat "$dir/fanout-tokens"; exit 1; }
"$BENCH" compare "${common[@]}" --scenario fanout --group-size 5 --rates 50 --tokens-file "$dir/fanout-tokens" \
  --user-prefix tk --source-addresses 2 --output "$dir/fanout-tokens-run" 2> "$dir/fanout-tokens.log" \
  || { cat "$dir/fanout-tokens.log"; exit 1; }
check "$dir/fanout-tokens-run.json"
# (Those users have no password: a register_user + login set-up would have failed, so they authenticated.)

admin=(-s -f -H "Authorization: Bearer smoke" -H "Content-Type: application/json")
base="http://127.0.0.1:$(cat "$dir/port")/v1/admin/users"
for u in p1 p2 p3 syncer; do curl "${admin[@]}" -X POST "$base" -d "{\"user_id\":\"$u\"}" > /dev/null; done
printf 'p1\np2\np3\n' > "$dir/peers"
token=$(curl "${admin[@]}" -X POST "$base/syncer/tokens" -d '{"device_id":"d","platform":"BOT"}' | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
"$BENCH" sync --port "$(cat "$dir/port")" --token "$token" --user syncer --peers-file "$dir/peers" --messages 30 \
  --repetitions 1 --output "$dir/sync" 2> "$dir/sync.log" || { cat "$dir/sync.log"; exit 1; }
grep -q '"messages": 30' "$dir/sync.json" || { echo "sync did not return 30 messages"; cat "$dir/sync.json"; exit 1; }
seq -f "mx%g" 1 20 | "$ADMIN_TOKENS" "$(cat "$dir/port")" smoke mixed > "$dir/mixed-tokens"
status=0
"$BENCH" mixed --port-file "$dir/port" --server-pid "$pid" --tokens-file "$dir/mixed-tokens" --rate 50 --duration 3 \
  --warmup 0.5 --drain 5 --group-size 5 --presence-period 2 --reconnect-per-min 3 --source-addresses 2 \
  --output "$dir/mixed" 2> "$dir/mixed.log" || status=$?
[[ $status -eq 0 || $status -eq 3 ]] || { cat "$dir/mixed.log"; exit 1; }  # 3: warnings, judged below
python3 - "$dir/mixed.json" << 'PY' || { cat "$dir/mixed.log"; exit 1; }
import json, sys
d = json.load(open(sys.argv[1]))
c = d["counts"]
problems = []
if c["sent"] < 100 or c["direct"] == 0 or c["group"] == 0: problems.append("too few direct/group messages sent")
if c["expected_deliveries"] == 0 or c["delivered"] < 0.9 * c["expected_deliveries"]: problems.append("deliveries missing")
if c["typing_sent"] == 0 or c["typing_events"] == 0: problems.append("no typing traffic")
if c["presence_set"] == 0 or c["presence_subscribed"] == 0: problems.append("no presence traffic")
if c["reconnects"] == 0 or c["reconnect_failures"]: problems.append("reconnects did not happen or failed")
if c["errors"]: problems.append(f"server errors {c['errors']}")
if d["latency"]["send_to_delivery"]["count"] == 0: problems.append("no latency recorded")
if problems:
    print("mixed smoke:", "; ".join(problems), json.dumps(c))
    sys.exit(1)
PY
echo "compare smoke: ok"
