# The two commands: `make run` and `make test`. Everything else is a step they share.
BUILD_DIR := build
PARLEYD   := $(BUILD_DIR)/src/server/parleyd

.PHONY: all deps configure build run test bench clean

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

clean:
	rm -rf $(BUILD_DIR)
