#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ and runs each for a set time against its committed corpus.
#
#   scripts/fuzz.sh [seconds-per-target] [target...]     # default: 600 s, every target
#   scripts/fuzz.sh 60 FuzzRESP FuzzDNS
#   FUZZ_SKIP_BUILD=1 scripts/fuzz.sh 600 FuzzDNS       # reuse the last build (e.g. a second run in parallel)
#   scripts/fuzz.sh --list                              # the targets
#
# Targets (one per decoder that reads a peer's bytes; see Fuzz/Package.swift):
#   FuzzMySQLPackets  MySQL framing, greeting, ERR packet, length-encoded row values
#   FuzzMySQLAuth     the MySQL auth state machine: auth switch, AuthMoreData, a server's RSA key (PEM)
#   FuzzMongoWire     MongoDB framing, OP_MSG / OP_REPLY, BSON (with an encode/decode round trip)
#   FuzzDNS           DNS answers (SRV/TXT for mongodb+srv)
#   FuzzRESP          RESP2/RESP3 replies, HELLO map and INFO text
#   FuzzJSON          JSON bodies, the strict JSON syntax checker, AWS (XML/JSON) and Snowflake error bodies
#   FuzzSniffer       first-bytes protocol identification (the PostgreSQL SSL answer, any foreign peer)
#   FuzzHTTPResponse  HTTP/1.1 responses through NIO's decoder and Preflight's response collector
#   FuzzSSHKeys       OpenSSH private key files, PEM RSA private keys, authorized_keys lines
#
# How it is built (Linux, Swift 6.3): `swift build` of the Fuzz package with its own scratch path
# (Fuzz/.build-fuzz). The targets pass `-parse-as-library -sanitize=fuzzer,address` only to their own
# modules (unsafeFlags in Fuzz/Package.swift), so swift-nio / swift-crypto are built uninstrumented and the
# main package's build is untouched. SwiftPM links an executable with `--defsym main=<Target>_main`, which
# libFuzzer's own main cannot satisfy: every target defines `<Target>_main` and calls LLVMFuzzerRunDriver;
# linking uses lld (`-use-ld=lld`) because gold crashes on that link. `-Xswiftc -sanitize=fuzzer` on the
# command line would also work for the instrumentation but instruments every dependency (a far longer build).
#
# Each run: nice -n 19, -max_len=65536, -rss_limit_mb=2048, -detect_leaks=0 (a leak report would stop the
# run, and a Swift reference cycle is no memory error; ASan's memory-error checks stay on. The Sniffer and
# HTTPResponse targets tear their EmbeddedChannel down after each input, so memory stays flat: a first
# version that did not hit the 2 GB limit after 263k inputs), inputs found go to Fuzz/.fuzz-work/<target>/new (not committed),
# crash artifacts to Fuzz/.fuzz-work/<target>/artifacts/, the log to Fuzz/.fuzz-work/<target>/run.log.
# Seeds (real captured bytes, hand-written edge cases) live in Fuzz/seeds/<target>/ and are never rewritten
# (Fuzz/seeds/capture.py and handwritten.py regenerate them). Afterwards the committed corpus Fuzz/corpus/<target>/ is replaced by a minimised merge (-merge=1) of
# itself and the new inputs, so it only grows with coverage. Not run in CI: it is a long job of its own.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
FUZZ="$ROOT/Fuzz"
SCRATCH="$FUZZ/.build-fuzz"
WORK="$FUZZ/.fuzz-work"
ALL=(FuzzMySQLPackets FuzzMySQLAuth FuzzMongoWire FuzzDNS FuzzRESP FuzzJSON FuzzSniffer FuzzHTTPResponse FuzzSSHKeys)
MAX_LEN=65536

if [ "${1:-}" = "--list" ]; then
    printf '%s\n' "${ALL[@]}"
    exit 0
fi

SECONDS_PER_TARGET=600
if [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; then
    SECONDS_PER_TARGET="$1"
    shift
fi
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL[@]}")
for target in "${TARGETS[@]}"; do
    [[ " ${ALL[*]} " == *" $target "* ]] || { echo "unknown target: $target (see --list)" >&2; exit 2; }
done

export PATH="/opt/swift/usr/bin:$PATH"
# Also LeakSanitizer's check at exit (see -detect_leaks=0 below).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
BIN="$SCRATCH/debug"
if [ "${FUZZ_SKIP_BUILD:-0}" != 1 ]; then
    for target in "${TARGETS[@]}"; do
        echo "[fuzz] building $target" >&2
        mkdir -p "$WORK"
        # ASan's runtime makes lld print thousands of harmless "Cannot export local symbol" warnings.
        if ! nice -n 19 swift build --package-path "$FUZZ" --scratch-path "$SCRATCH" --product "$target" \
            >"$WORK/build-$target.log" 2>&1; then
            grep -v "Cannot export local symbol" "$WORK/build-$target.log" | tail -40 >&2
            exit 1
        fi
    done
fi

summaries=()
for target in "${TARGETS[@]}"; do
    corpus="$FUZZ/corpus/$target"
    seeds="$FUZZ/seeds/$target"
    dir="$WORK/$target"
    mkdir -p "$corpus" "$seeds" "$dir/new" "$dir/artifacts"
    log="$dir/run.log"
    echo "[fuzz] $target: ${SECONDS_PER_TARGET}s, corpus $(find "$corpus" -type f | wc -l) files, log $log" >&2
    # libFuzzer exits non-zero when it finds a crash; the summary reports it, the loop goes on.
    nice -n 19 "$BIN/$target" -max_total_time="$SECONDS_PER_TARGET" -max_len="$MAX_LEN" -timeout=10 \
        -rss_limit_mb=2048 -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$dir/artifacts/" "$dir/new" "$corpus" "$seeds" \
        >"$log" 2>&1 || true

    # Minimise: keep only the inputs that add coverage, from the committed corpus first. The seeds
    # (Fuzz/seeds/<target>: real captures and hand-written cases) are kept as they are, apart.
    merged="$dir/merged"
    rm -rf "$merged"
    mkdir -p "$merged"
    nice -n 19 "$BIN/$target" -merge=1 -max_len="$MAX_LEN" -timeout=10 -artifact_prefix="$dir/artifacts/merge-" \
        "$merged" "$corpus" "$dir/new" \
        >"$dir/merge.log" 2>&1 || true
    # libFuzzer's merge survives a crashing input (it restarts); replace the corpus only when it finished.
    if grep -q "^MERGE-OUTER: [0-9]* new files" "$dir/merge.log" && [ -n "$(ls -A "$merged")" ]; then
        rm -rf "$corpus"
        mv "$merged" "$corpus"
    fi

    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{print $2}' | tail -1)
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | awk '{print $2}' | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    crashes=$(find "$dir/artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    files=$(find "$corpus" -type f | wc -l)
    bytes=$(du -sb "$corpus" | awk '{print $1}')
    line="$target: ${SECONDS_PER_TARGET}s execs=${execs:-?} exec/s=${rate:-?} cov=${cov:-?} ft=${ft:-?} corpus=${files} files/${bytes} B crashes=${crashes}"
    summaries+=("$line")
    echo "[fuzz] $line" >&2
done

echo "== fuzz summary (artifacts under $WORK/<target>/artifacts) =="
printf '%s\n' "${summaries[@]}"
