# The two commands: `make run` and `make test`. Everything else is a step they share.
BUILD_DIR := build
PARLEYD   := $(BUILD_DIR)/src/server/parleyd

.PHONY: all deps configure build run test bench fuzz clean

all: build

deps:
	@scripts/install-deps

$(BUILD_DIR)/build.ninja: CMakeLists.txt CMakePresets.json | deps
	cmake --preset default

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	cmake --build --preset default

run: build
	$(PARLEYD) --listen 0.0.0.0:8080 --data-dir ./parley-data

test: build
	ctest --preset default

bench: build
	bench/run-direct

# libFuzzer with Clang in its own build directory; FUZZ_SECONDS per target (default 60).
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/install-deps fuzz
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARLEY_FUZZ=ON
	cmake --build build-fuzz -j2 --target codec_fuzzer
	mkdir -p build-fuzz/corpus/codec
	build-fuzz/fuzz/codec_fuzzer -max_total_time=$(FUZZ_SECONDS) -max_len=65536 build-fuzz/corpus/codec fuzz/corpus/codec

clean:
	rm -rf $(BUILD_DIR) build-fuzz
