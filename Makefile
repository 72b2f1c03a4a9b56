# vecbench front door: `make bench` and `make test` do everything from a
# fresh Debian 12 clone (install what is missing, configure, build, run).
BUILD ?= build
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc)
OUT ?= results/latest.json
# Build and run dependencies, from Debian's archive.
APT_PKGS = cmake make g++ pkg-config libopenblas-openmp-dev libbenchmark-dev libcjson-dev gnuplot-nox

.PHONY: all deps configure build bench test clean

all: build

deps:
	@missing=""; for p in $(APT_PKGS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" -ne 0 ]; then \
	    echo "vecbench needs these packages; run as root:"; \
	    echo "  apt-get update && apt-get install -y$$missing"; exit 1; \
	  fi; \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq$$missing >/dev/null || exit 1; \
	fi

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

configure: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# Checks every variant, then times them; QUICK=1 for a short run.
bench: build
	@mkdir -p $(dir $(OUT))
	$(BUILD)/vecbench run $(if $(QUICK),--quick) --out $(OUT)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD)
