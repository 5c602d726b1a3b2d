# Domus: the two entry points. Each installs what is missing, builds, then runs.
.PHONY: all run test build build-debug build-fuzz bootstrap bench deb format clean

CMAKE ?= cmake
DOMUS_ARGS ?=

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	@$(CMAKE) --preset release >/dev/null
	@$(CMAKE) --build --preset release

build-debug: bootstrap
	@$(CMAKE) --preset debug >/dev/null
	@$(CMAKE) --build --preset debug

build-fuzz: bootstrap
	@$(CMAKE) --preset fuzz >/dev/null
	@$(CMAKE) --build --preset fuzz

# Boots the embedded default guest kernel in the foreground. Builds only what it runs: the
# domus binary (and the guest kernel embedded in it), not the tests or benchmarks.
run: bootstrap
	@$(CMAKE) --preset release >/dev/null
	@$(CMAKE) --build --preset release --target domus
	./build/release/domus run $(DOMUS_ARGS)

# The Debian package: build/domus_<version>_amd64.deb (the three binaries, the domusd systemd
# unit and config, man pages; cmake/Packaging.cmake).
deb: bootstrap
	@$(CMAKE) --preset release >/dev/null
	@$(CMAKE) --build --preset release --target domus domusd domus-vmm
	@cd build/release && cpack -G DEB -B $(CURDIR)/build >/dev/null
	@ls build/domus_*_amd64.deb

# The whole suite: release, then Debug with ASan+UBSan, then the bounded fuzz runs (clang).
test: build build-debug build-fuzz
	ctest --preset release
	ctest --preset debug
	ctest --preset fuzz

bench: build
	bench/run-all

format:
	@git ls-files '*.cpp' '*.hpp' '*.h' | xargs clang-format -i

clean:
	rm -rf build
