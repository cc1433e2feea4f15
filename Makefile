# The two commands: `make run` and `make test`. Everything else is a step they share.
BUILD_DIR := build
PARLEYD   := $(BUILD_DIR)/src/server/parleyd

.PHONY: all deps configure build web run test test-asan test-tsan chaos bench bench-peers bench-peers-smoke bench-connections bench-sync bench-mixed bench-backpressure bench-fanout-10k bench-report bench-media fuzz tidy clean

all: build

deps:
	@scripts/install-deps

$(BUILD_DIR)/build.ninja: CMakeLists.txt CMakePresets.json | deps
	cmake --preset default

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	cmake --build --preset default

# The web client (web/): npm ci when node_modules is stale, then the Vite build into web/dist, which parleyd
# serves by default (--web-root web/dist, relative to the working directory).
web: deps
	web/scripts/build

run: build web
	$(PARLEYD) --listen 0.0.0.0:8080 --data-dir ./parley-data --web-root web/dist

test: build web
	ctest --preset default

# The delivery checker with a long fault phase (kill -9, connections cut mid-frame, stalled readers, a full
# disk); `make test` runs it for 30 s. Needs root for the small tmpfs that fills up.
CHAOS_SECONDS ?= 600
chaos: build
	CHAOS_SECONDS=$(CHAOS_SECONDS) $(BUILD_DIR)/tests/chaos/chaos_tests --gtest_filter='Chaos.*'

# Unit and integration tests under AddressSanitizer + UndefinedBehaviorSanitizer, parleyd included (its own
# build directory, build-asan/). CI runs it after `make test`.
ASAN_TARGETS := parleyd unit_tests integration_tests codec_replay message_rules_replay media_fields_replay config_replay
test-asan: deps
	cmake --preset asan
	cmake --build --preset asan --target $(ASAN_TARGETS)
	ctest --preset asan -L 'unit|integration' -E 'bench_compare_smoke|web_'

# The threaded suites (unit, integration, SDK, CLI) under ThreadSanitizer, parleyd and the parley CLI included
# (build-tsan/). A report in a test binary or the CLI ends it (halt_on_error, exit code 66); a report in
# parleyd fails the test that was driving it (the test harness searches the server's log).
# tests/tsan_suppressions.txt holds the proven false positives (libvips).
TSAN_TARGETS := parleyd unit_tests integration_tests sdk_tests cli_tests
test-tsan: deps
	cmake --preset tsan
	cmake --build --preset tsan --target $(TSAN_TARGETS)
	ctest --preset tsan -L 'unit|integration|sdk|cli' -E 'bench_compare_smoke|web_|fuzz_'

bench: build
	bench/run-direct

# Parley against Mosquitto, ejabberd and Prosody on loopback (installs them: scripts/install-deps bench-peers),
# then bench/report.md. About 15 minutes; see bench/README.md for the knobs.
bench-peers: configure
	bench/run-peers

# A minute: the peers start, and parley-bench's MQTT and XMPP clients work against each (not part of `make test`).
bench-peers-smoke: configure
	bench/peers/smoke

# N authenticated idle connections to parleyd: memory per connection, connect rate, idle CPU.
bench-connections: build
	bench/run-connections
	bench/render-report

# A user with 1,000 conversations and 10,000 messages reconnects: first screen and full sync times.
bench-sync: build
	bench/run-sync
	bench/render-report

# A realistic mix at a fixed rate (direct, groups of ~50, typing, presence, reconnects): CPU, RSS, p99.
bench-mixed: build
	bench/run-mixed
	bench/render-report

# 10,000 clients, 100 stop reading: RSS, slow-consumer closes, the others' latency; then 2x and 0.5x overload.
bench-backpressure: build
	bench/run-backpressure

# Parley alone: one sender into a group of 10,000 online members (10,001 connections), then the report.
bench-fanout-10k: configure
	TARGETS=parley SCENARIOS=fanout-10000 bench/run-peers

# Media: upload and download throughput, image processing rate (bench/results/media-*.md).
bench-media: configure
	bench/run-media

# Regenerates bench/report.md and its plots from the newest files in bench/results/.
bench-report:
	@scripts/install-deps bench-peers
	bench/render-report

# clang-tidy (.clang-tidy) on src/ with Clang 16 in build-tidy/; any finding fails. TIDY_FILES narrows it.
tidy:
	scripts/tidy $(TIDY_FILES)

# libFuzzer with Clang in its own build directory; FUZZ_SECONDS per target (default 60).
# libstdc++ 12 offers std::expected only when __cpp_concepts >= 202002; Clang 16 implements what it needs
# (P0848) but still reports 201907, so the fuzz build raises the macro.
FUZZ_SECONDS ?= 60
FUZZ_CXXFLAGS := -Wno-macro-redefined -D__cpp_concepts=202002L
fuzz:
	@scripts/install-deps fuzz
	CC=clang-16 CXX=clang++-16 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARLEY_FUZZ=ON \
	  -DCMAKE_CXX_FLAGS="$(FUZZ_CXXFLAGS)"
	cmake --build build-fuzz -j2 --target codec_fuzzer message_rules_fuzzer media_fields_fuzzer config_fuzzer
	for t in codec message_rules media_fields config; do \
	  mkdir -p build-fuzz/corpus/$$t && \
	  build-fuzz/fuzz/$${t}_fuzzer -max_total_time=$(FUZZ_SECONDS) -max_len=65536 build-fuzz/corpus/$$t fuzz/corpus/$$t \
	  || exit 1; \
	done

clean:
	rm -rf $(BUILD_DIR) build-fuzz build-tidy build-asan build-tsan
