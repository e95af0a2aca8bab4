#!/usr/bin/env bash
# IntelMQ 3.x half of the side-by-side bulk-import benchmark (see README.md here).
#
#   bash tools/bench/intelmq/run.sh FEED.csv
#
# Pipeline: file collector -> generic CSV parser -> deduplicator expert -> file output,
# on a private, non-persistent redis-server bound to 127.0.0.1. All state lives in a
# temporary directory that is removed at the end (BENCH_KEEP=1 keeps it).
#
# Knobs (environment; deliberately not INTELMQ_*, because IntelMQ bots turn every
# INTELMQ_* variable into a bot parameter):
#   BENCH_INTELMQ_VENV      virtualenv holding intelmq       (default /opt/intelmq-venv)
#   BENCH_REDIS_PORT        first loopback port to try       (default 6399)
#   BENCH_TIMEOUT           max seconds from start to drain  (default 2400)
#   BENCH_CHUNK_SIZE        collector chunk size in bytes    (default 4194304)
#   BENCH_DEDUP_FILTER_TYPE deduplicator filter_type         (default whitelist)
#   BENCH_DEDUP_FILTER_KEYS deduplicator filter_keys         (default source.ip,classification.type)
#   BENCH_KEEP=1            keep the work directory (logs, output) and print its path
#
# Final line: "intelmq: N rows in T s = R rows/s (output M events)".
set -euo pipefail

FEED=${1:?usage: bash tools/bench/intelmq/run.sh FEED.csv}
[ -f "$FEED" ] || { echo "run.sh: no such file: $FEED" >&2; exit 2; }
FEED=$(readlink -f "$FEED")
case "$FEED" in *.csv) ;; *) echo "run.sh: feed must end in .csv (the file collector matches by postfix)" >&2; exit 2 ;; esac

VENV=${BENCH_INTELMQ_VENV:-/opt/intelmq-venv}
PORT=${BENCH_REDIS_PORT:-6399}
TIMEOUT=${BENCH_TIMEOUT:-2400}
CHUNK=${BENCH_CHUNK_SIZE:-4194304}
DEDUP_TYPE=${BENCH_DEDUP_FILTER_TYPE:-whitelist}
DEDUP_KEYS=${BENCH_DEDUP_FILTER_KEYS:-source.ip,classification.type}

log() { echo "run.sh: $*" >&2; }
calc() { awk "BEGIN { printf \"%.9g\n\", ($*) }"; }

# ---------------------------------------------------------------- (a) install
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    log "installing redis-server (Debian)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi
# The venv is built on Debian's /usr/bin/python3, not on whatever python3 comes first in
# PATH: the bots drop root privileges to the user "intelmq" (see below), and an
# interpreter living under /root (pyenv) cannot import its own standard library then.
if [ "$(id -u)" = 0 ] && ! id intelmq >/dev/null 2>&1; then
    log "creating system user intelmq (IntelMQ bots refuse to run as root and switch to it)"
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin intelmq
fi
if [ "$(id -u)" = 0 ]; then RUN_AS=(setpriv --reuid=intelmq --regid=intelmq --init-groups); else RUN_AS=(); fi
if ! "${RUN_AS[@]}" "$VENV/bin/python" -c 'import intelmq, redis, secrets' 2>/dev/null; then
    if ! /usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null; then
        log "installing python3-venv (Debian)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    fi
    log "installing intelmq 3.x into $VENV (on /usr/bin/python3)"
    /usr/bin/python3 -m venv --clear "$VENV"
    "$VENV/bin/pip" install -q 'intelmq>=3,<4'
fi
PY=$VENV/bin/python
IMQ_VERSION=$("$PY" -c 'import intelmq; print(intelmq.__version__)')
PKG_ETC=$("$PY" -c 'import intelmq, os; print(os.path.join(os.path.dirname(intelmq.__file__), "etc"))')

# ---------------------------------------------------------------- work dir, cleanup
WORK=$(mktemp -d /tmp/intelmq-bench.XXXXXX)
ROOT=$WORK/root
mkdir -p "$ROOT/etc" "$ROOT/var/log" "$ROOT/var/run" "$ROOT/var/lib/bots" "$WORK/in" "$WORK/out" "$WORK/redis"
REDIS_PID=""
BOT_PIDS=()

cleanup() {
    local rc=$?
    set +e
    for p in "${BOT_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for _ in $(seq 1 50); do
        local alive=0
        for p in "${BOT_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ $alive = 0 ] && break
        sleep 0.2
    done
    for p in "${BOT_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    if [ -n "$REDIS_PID" ]; then
        kill -TERM "$REDIS_PID" 2>/dev/null
        for _ in $(seq 1 25); do kill -0 "$REDIS_PID" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$REDIS_PID" 2>/dev/null
    fi
    wait 2>/dev/null
    if [ "${BENCH_KEEP:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- (b) private redis
while redis-cli -h 127.0.0.1 -p "$PORT" ping >/dev/null 2>&1 || \
      (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do
    PORT=$((PORT + 1))
done
redis-server --bind 127.0.0.1 --port "$PORT" --save '' --appendonly no \
    --dir "$WORK/redis" --daemonize no --logfile "$WORK/redis/redis.log" &
REDIS_PID=$!
for _ in $(seq 1 50); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$PORT" ping >/dev/null || { log "redis did not start"; exit 1; }
R() { redis-cli -p "$PORT" "$@"; }

# ---------------------------------------------------------------- (c) configuration
# IntelMQ 3.x reads $INTELMQ_ROOT_DIR/etc/runtime.yaml and .../etc/harmonization.conf,
# logs to $INTELMQ_ROOT_DIR/var/log/ and keeps state in $INTELMQ_ROOT_DIR/var/lib/.
export INTELMQ_ROOT_DIR=$ROOT/
cp "$PKG_ETC/harmonization.conf" "$ROOT/etc/harmonization.conf"
# IntelMQ bots refuse to run as root: started as root, they switch to the user and group
# "intelmq" (made above) and stop if there is none. So that user gets the work dir.
# delete_file is false, and the collector reads a link to the feed (or, if the bots'
# user cannot read the feed where it is, a copy made before the clock starts)
if "${RUN_AS[@]}" test -r "$FEED"; then
    ln -s "$FEED" "$WORK/in/feed.csv"
else
    log "bots' user cannot read $FEED; copying it into the work dir"
    cp "$FEED" "$WORK/in/feed.csv"
fi
[ "$(id -u)" = 0 ] && chown -R intelmq:intelmq "$ROOT" "$WORK/in" "$WORK/out"
chmod 755 "$WORK"
OUT=$WORK/out/events.jsonl
cat > "$ROOT/etc/runtime.yaml" <<EOF
global:
  source_pipeline_broker: redis
  source_pipeline_host: 127.0.0.1
  source_pipeline_port: $PORT
  source_pipeline_db: 2
  destination_pipeline_broker: redis
  destination_pipeline_host: 127.0.0.1
  destination_pipeline_port: $PORT
  destination_pipeline_db: 2
  statistics_host: 127.0.0.1
  statistics_port: $PORT
  statistics_database: 3
  logging_handler: file
  logging_level: INFO
  logging_path: $ROOT/var/log/
  error_procedure: pass
  error_dump_message: true
  error_log_message: false
  process_manager: intelmq
file-collector:
  group: Collector
  module: intelmq.bots.collectors.file.collector_file
  enabled: true
  run_mode: scheduled
  parameters:
    path: $WORK/in
    postfix: .csv
    delete_file: false
    chunk_size: $CHUNK
    chunk_replicate_header: true
    rate_limit: 86400
    destination_queues:
      _default: [csv-parser-queue]
csv-parser:
  group: Parser
  module: intelmq.bots.parsers.generic.parser_csv
  enabled: true
  run_mode: continuous
  parameters:
    columns: [time.source, source.ip, source.fqdn, source.url, classification.taxonomy, classification.type, feed.name, comment]
    skip_header: true
    delimiter: ','
    default_url_protocol: 'http://'
    destination_queues:
      _default: [deduplicator-queue]
deduplicator:
  group: Expert
  module: intelmq.bots.experts.deduplicator.expert
  enabled: true
  run_mode: continuous
  parameters:
    filter_type: $DEDUP_TYPE
    filter_keys: '$DEDUP_KEYS'
    bypass: false
    redis_cache_host: 127.0.0.1
    redis_cache_port: $PORT
    redis_cache_db: 6
    redis_cache_ttl: 86400
    destination_queues:
      _default: [file-output-queue]
file-output:
  group: Output
  module: intelmq.bots.outputs.file.output
  enabled: true
  run_mode: continuous
  parameters:
    file: $OUT
    hierarchical_output: false
    single_key: false
    keep_raw_field: false
EOF

# ---------------------------------------------------------------- (d) run
ROWS=$(( $(wc -l < "$FEED") - 1 ))
log "IntelMQ $IMQ_VERSION, $("$PY" -V 2>&1), redis $(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p'), redis on 127.0.0.1:$PORT"
log "feed $FEED: $ROWS rows, $(stat -c %s "$FEED") bytes; dedup $DEDUP_TYPE [$DEDUP_KEYS]; chunk $CHUNK bytes; work dir $WORK"

start_bot() {  # module bot-id
    "$VENV/bin/$1" "$2" >"$ROOT/var/log/$2.stdout" 2>&1 &
    BOT_PIDS+=($!)
}
now() { date +%s.%N; }

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "machine: $(nproc) cores, load average at start $LOAD_START (other work on the machine slows this run down)"
T_LAUNCH=$(now)
start_bot intelmq.bots.parsers.generic.parser_csv csv-parser
start_bot intelmq.bots.experts.deduplicator.expert deduplicator
start_bot intelmq.bots.outputs.file.output file-output
# wait until the three consumers are initialised (they block on their queues then)
for _ in $(seq 1 300); do
    n=0
    for b in csv-parser deduplicator file-output; do
        grep -q "Bot initialization completed" "$ROOT/var/log/$b.log" 2>/dev/null && n=$((n + 1))
    done
    [ $n = 3 ] && break
    for p in "${BOT_PIDS[@]}"; do kill -0 "$p" 2>/dev/null || { log "a bot died at start:"; tail -n 5 "$ROOT"/var/log/*.log "$ROOT"/var/log/*.stdout >&2; exit 1; }; done
    sleep 0.1
done
[ $n = 3 ] || { log "bots did not initialise in 30 s"; exit 1; }
T0=$(now)
log "consumers up after $(calc "$T0 - $T_LAUNCH") s; starting the file collector (clock starts)"
"$VENV/bin/intelmq.bots.collectors.file.collector_file" file-collector >"$ROOT/var/log/file-collector.stdout" 2>&1 &
COLL_PID=$!
BOT_PIDS+=($COLL_PID)

QUEUES=(csv-parser-queue csv-parser-queue-internal deduplicator-queue deduplicator-queue-internal
        file-output-queue file-output-queue-internal)
queued() {
    local s=0 q
    for q in "${QUEUES[@]}"; do s=$((s + $(R -n 2 llen "$q"))); done
    echo $s
}
count_out() { if [ -f "$OUT" ]; then wc -l < "$OUT"; else echo 0; fi; }

coll_done=0; drained=0; last_report=$T0
while :; do
    sleep 0.5
    t=$(now)
    if [ $coll_done = 0 ] && ! kill -0 $COLL_PID 2>/dev/null; then
        coll_done=1
        wait $COLL_PID || { log "file collector failed:"; tail -n 20 "$ROOT/var/log/file-collector.log" >&2; exit 1; }
        log "collector finished after $(calc "$t - $T0") s"
    fi
    for p in "${BOT_PIDS[@]:0:3}"; do
        kill -0 "$p" 2>/dev/null || { log "a bot died:"; tail -n 20 "$ROOT"/var/log/*.log >&2; exit 1; }
    done
    if [ $coll_done = 1 ] && [ "$(queued)" = 0 ]; then drained=1; break; fi
    if [ "$(calc "$t - $T0 > $TIMEOUT")" = 1 ]; then break; fi
    if [ "$(calc "$t - $last_report >= 30")" = 1 ]; then
        last_report=$t
        log "$(printf '%6.0f' "$(calc "$t - $T0")") s: output $(count_out) events, queued $(queued) messages, parser events so far $(R -n 3 get csv-parser.total._default)"
    fi
done

# End of the run = last write to the output file (the file output flushes every event).
if [ -f "$OUT" ]; then T_END=$(stat -c %.9Y "$OUT"); else T_END=$(now); fi
T_NOW=$(now)
OUT_N=$(count_out)

LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
# CPU seconds per process (utime+stime from /proc), before stopping anything
HZ=$(getconf CLK_TCK)
cpu() { awk -v hz="$HZ" '{printf "%.1f", ($14+$15)/hz}' "/proc/$1/stat" 2>/dev/null || echo "?"; }
CPU="parser $(cpu "${BOT_PIDS[0]}") s, deduplicator $(cpu "${BOT_PIDS[1]}") s, file-output $(cpu "${BOT_PIDS[2]}") s, redis $(cpu "$REDIS_PID") s"

# stop the bots (SIGTERM: each flushes its statistics to redis db 3), then read counters
for p in "${BOT_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
for _ in $(seq 1 50); do
    alive=0; for p in "${BOT_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break; sleep 0.2
done
PARSED=$(R -n 3 get csv-parser.total._default); PARSED=${PARSED:-0}
PFAIL=$(R -n 3 get csv-parser.stats.failure); PFAIL=${PFAIL:-0}
FORWARDED=$(R -n 3 get deduplicator.total._default); FORWARDED=${FORWARDED:-0}
DUMPED=$("$PY" - "$ROOT/var/log/csv-parser.dump" <<'PYEOF'
import json, sys
try:
    print(len(json.load(open(sys.argv[1]))))
except FileNotFoundError:
    print(0)
PYEOF
)
REPORTS=$(R -n 3 get file-collector.total._default); REPORTS=${REPORTS:-?}

if [ $drained = 1 ]; then
    WALL=$(calc "$T_END - $T0")
    log "drained: $REPORTS reports -> parser $PARSED events ($DUMPED lines dumped as failures, $PFAIL failed reports) -> deduplicator forwarded $FORWARDED -> output $OUT_N lines"
    log "cpu: $CPU; wall incl. consumer start-up $(printf '%.1f' "$(calc "$T_END - $T_LAUNCH")") s; load average at end $LOAD_END"
    [ "${BENCH_KEEP:-0}" = 1 ] && log "output: $OUT"
    printf 'intelmq: %d rows in %.1f s = %.0f rows/s (output %d events = %.0f events/s)\n' \
        "$ROWS" "$WALL" "$(calc "$ROWS / $WALL")" "$OUT_N" "$(calc "$OUT_N / $WALL")"
else
    WALL=$(calc "$T_NOW - $T0")
    log "TIMEOUT after $(printf '%.0f' "$WALL") s: parser had emitted $PARSED of $ROWS events, output $OUT_N lines"
    log "cpu: $CPU; load average at end $LOAD_END"
    printf 'intelmq: TIMEOUT, %d of %d rows parsed in %.1f s = %.0f rows/s (output %d events so far)\n' \
        "$PARSED" "$ROWS" "$WALL" "$(calc "$PARSED / $WALL")" "$OUT_N"
    exit 3
fi
