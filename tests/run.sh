#!/usr/bin/env bash
# Runs every test from a clean checkout on Debian with the .NET 10 SDK:
# installs what the tests need when missing, starts a Mosquitto on a loopback port, builds, tests,
# stops what it started, and ends with "N passed, N failed" alone on a line.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

log() { printf '[tests] %s\n' "$*" >&2; }

# --- Debian packages the tests drive for real (only what is missing) ---
need=()
command -v ffmpeg >/dev/null || need+=(ffmpeg)
command -v xxhsum >/dev/null || need+=(xxhash)
command -v mosquitto >/dev/null && [ -x /usr/sbin/mosquitto -o -x /usr/bin/mosquitto ] || need+=(mosquitto)
command -v mosquitto_pub >/dev/null || need+=(mosquitto-clients)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql)
command -v chromium >/dev/null || need+=(chromium)
command -v oiiotool >/dev/null || need+=(openimageio-tools)
# OpenColorIO reads our exported CDLs (Debian's bindings are for its own /usr/bin/python3).
/usr/bin/python3 -c 'import PyOpenColorIO' 2>/dev/null || need+=(python3-pyopencolorio)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  log "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null || log "apt-get update failed"
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || log "apt-get install failed: ${need[*]}"
fi

# --- Services: a Mosquitto on a free loopback port, stopped on exit ---
WORK=$(mktemp -d /tmp/ip-tests.XXXXXX)
chmod 755 "$WORK"
cleanup() {
  [ -n "${MOSQ_PID:-}" ] && kill "$MOSQ_PID" 2>/dev/null && wait "$MOSQ_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()' 2>/dev/null || echo $((20000 + RANDOM % 20000)); }

MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
if [ -x "$MOSQUITTO" ]; then
  MOSQ_PORT=$(free_port)
  mkdir -p "$WORK/mosquitto"
  cat >"$WORK/mosquitto/mosquitto.conf" <<CONF
listener $MOSQ_PORT 127.0.0.1
allow_anonymous true
persistence true
persistence_location $WORK/mosquitto/
max_queued_messages 0
log_dest stderr
log_type error
CONF
  id mosquitto >/dev/null 2>&1 && chown -R mosquitto "$WORK/mosquitto"
  "$MOSQUITTO" -c "$WORK/mosquitto/mosquitto.conf" 2>"$WORK/mosquitto.log" &
  MOSQ_PID=$!
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$MOSQ_PORT) 2>/dev/null && break; sleep 0.1; done
  export INTERPOSITIVE_TEST_MOSQUITTO="mqtt://127.0.0.1:$MOSQ_PORT"
  log "mosquitto on 127.0.0.1:$MOSQ_PORT"
else
  log "mosquitto not available: its tests will report that"
fi

# --- Build (warnings are errors), style, tests ---
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
log "building"
if ! dotnet build InterPositive.sln -c Release -nologo -v q; then
  echo "0 passed, 1 failed"
  exit 1
fi

log "checking formatting"
if ! dotnet format whitespace InterPositive.sln --verify-no-changes -v q; then
  log "formatting differs from .editorconfig (run: dotnet format whitespace InterPositive.sln)"
  echo "0 passed, 1 failed"
  exit 1
fi

RESULTS="$WORK/results"
log "testing"
dotnet test InterPositive.sln -c Release --no-build --nologo \
  --filter "Category!=Gpu&Category!=Benchmark" \
  --logger "trx" --results-directory "$RESULTS" --blame-hang-timeout 300s --blame-hang-dump-type none \
  -- RunConfiguration.TestSessionTimeout=1500000
test_rc=$?

passed=0; failed=0; total=0
for trx in "$RESULTS"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0}))
done
projects=$(find tests -name '*.Tests.csproj' | wc -l)
reports=$(ls "$RESULTS"/*.trx 2>/dev/null | wc -l)
if [ "$test_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # A test host that crashed or timed out leaves no failed count: count it as a failure.
  failed=1
fi
if [ "$reports" -lt "$projects" ]; then
  log "only $reports of $projects test projects reported"
  failed=$((failed + projects - reports))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
