# SPDX-License-Identifier: Apache-2.0
# pavise: one non-recursive Makefile. `make` builds every binary into .output/bin/.
#
# Layout it relies on, so that new files need no edits here:
#   <dir>/main.c            a program's entry point (dirs listed in PROGRAMS)
#   <dir>/*.c               library code, archived into libpavise.a
#   <dir>/tests/test-*.c    a cmocka test program, linked with libpavise.a
#   <dir>/fuzz/fuzz-*.c     a libFuzzer target, built with clang

OUTPUT ?= .output
CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
V ?= 0

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# SANITIZE=1 builds everything with ASan+UBSan into a separate tree.
ifeq ($(SANITIZE),1)
OUTPUT := $(OUTPUT)/san
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT := -O1
else
SAN_FLAGS :=
OPT := -O2 -D_FORTIFY_SOURCE=2
endif

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

PKGS := jansson yaml-0.1 libcurl libmicrohttpd gnutls openssl libseccomp libbpf
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wformat-security -Wformat-nonliteral -Wswitch-enum -Wundef \
	-Wpointer-arith -Werror=implicit-function-declaration -Wno-missing-field-initializers
HARDEN := -fstack-protector-strong -fPIE
CFLAGS ?= $(OPT) -g
ALL_CFLAGS := -std=gnu17 -D_GNU_SOURCE $(CFLAGS) $(WARN) $(HARDEN) $(SAN_FLAGS) -I. $(PKG_CFLAGS) -MMD -MP \
	-DPAVISE_VERSION='"$(VERSION)"'
ALL_LDFLAGS := -pie -Wl,-z,relro,-z,now -Wl,--as-needed $(SAN_FLAGS) $(LDFLAGS)


PROGRAMS := webhook pavisectl enforcer oci-hook
LIB_DIRS := common certs rules webhook pavisectl enforcer
BIN_webhook := pavise-webhook
BIN_pavisectl := pavisectl
BIN_enforcer := pavise-enforcer
BIN_oci-hook := pavise-oci-hook

LIB_SRC := $(filter-out %/main.c,$(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c)))
LIB_OBJ := $(patsubst %.c,$(OUTPUT)/obj/%.o,$(LIB_SRC))
LIB := $(OUTPUT)/libpavise.a

BINS := $(foreach p,$(PROGRAMS),$(OUTPUT)/bin/$(BIN_$(p)))

TEST_SRC := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/tests/test-*.c))
TEST_BINS := $(patsubst %.c,$(OUTPUT)/%,$(TEST_SRC))
TEST_HELPER_SRC := $(wildcard tests/lib/*.c)
TEST_HELPER_OBJ := $(patsubst %.c,$(OUTPUT)/obj/%.o,$(TEST_HELPER_SRC))

FUZZ_SRC := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/fuzz/fuzz-*.c))
FUZZ_BINS := $(patsubst %.c,$(OUTPUT)/fuzz/%,$(FUZZ_SRC))
FUZZ_LIB_OBJ := $(patsubst %.c,$(OUTPUT)/fuzz/obj/%.o,$(LIB_SRC))
FUZZ_FLAGS := -std=gnu17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer-no-link,address,undefined -I. $(PKG_CFLAGS) \
	-DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -DPAVISE_VERSION='"fuzz"'

C_SOURCES := $(shell git ls-files -co --exclude-standard '*.c' '*.h' 2>/dev/null)

.PHONY: all deps test check check-sanitize lint fuzz fuzz-build demo bench-webhook clean \
	tests-build print-tests e2e-vm e2e-cluster bench-compiler bench-enforcer

all: $(BINS)

$(OUTPUT)/obj/%.o: %.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	$(call msg,AR,$@)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

define program_rule
$(OUTPUT)/bin/$(BIN_$(1)): $(OUTPUT)/obj/$(1)/main.o $(LIB)
	$$(call msg,LINK,$$@)
	@mkdir -p $$(@D)
	$$(Q)$$(CC) $$(ALL_LDFLAGS) $$^ $$(PKG_LIBS) -o $$@
endef
$(foreach p,$(PROGRAMS),$(eval $(call program_rule,$(p))))

$(TEST_BINS): $(OUTPUT)/%: $(OUTPUT)/obj/%.o $(TEST_HELPER_OBJ) $(LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) $^ $(PKG_LIBS) -lcmocka -o $@

tests-build: $(BINS) $(TEST_BINS)

# The BPF LSM programs (bpf/pavise.bpf.c, CO-RE, types from bpf/vmlinux-min.h):
# one object and its skeleton, embedded in enforcer/bpf-loader.c.
BPF_ARCH := $(shell uname -m | sed 's/x86_64/x86/; s/aarch64/arm64/')
BPF_CFLAGS := -g -O2 -Wall -Werror -Werror=undef -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -I. -Ibpf
BPF_SKEL := $(OUTPUT)/bpf/pavise.skel.h
$(OUTPUT)/bpf/pavise.bpf.o: bpf/pavise.bpf.c $(wildcard bpf/*.h)
	$(call msg,BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
$(BPF_SKEL): $(OUTPUT)/bpf/pavise.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name pavise_bpf > $@
$(OUTPUT)/obj/enforcer/bpf-loader.o $(OUTPUT)/fuzz/obj/enforcer/bpf-loader.o: $(BPF_SKEL)
$(OUTPUT)/obj/enforcer/bpf-loader.o: ALL_CFLAGS += -I$(OUTPUT)/bpf
$(OUTPUT)/fuzz/obj/enforcer/bpf-loader.o: FUZZ_FLAGS += -I$(OUTPUT)/bpf

print-tests:
	@echo $(TEST_BINS)

# Unit and integration tests (TAP), then the closing count.
check: tests-build
	$(Q)OUTPUT=$(OUTPUT) tests/run-tests $(TEST_BINS)

check-sanitize:
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 check

$(OUTPUT)/fuzz/obj/%.o: %.c
	$(call msg,CC-FUZZ,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_FLAGS) -c $< -o $@

$(OUTPUT)/fuzz/%: %.c $(FUZZ_LIB_OBJ)
	$(call msg,FUZZ,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_FLAGS) -fsanitize=fuzzer $^ $(PKG_LIBS) -o $@

fuzz-build: $(FUZZ_BINS)

# Bounded fuzzing: FUZZ_SECONDS per target (CI-friendly).
FUZZ_SECONDS ?= 30
fuzz: fuzz-build
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) tests/run-fuzz $(FUZZ_BINS)

deps:
	$(Q)scripts/deps

lint:
	$(Q)scripts/lint $(C_SOURCES)

test:
	$(Q)scripts/test-all

demo: all
	$(Q)scripts/demo

# The kernel lab: a Debian kernel under qemu running runc containers (e2e/vm/README.md).
e2e-vm: all
	$(Q)e2e/vm/run e2e/vm/scenarios/*
	$(Q)bpf/tests/run-lab

# The local control plane (e2e/cluster/README.md): the webhook against a real API server.
e2e-cluster: all
	$(Q)e2e/cluster/build >/dev/null
	$(Q)PAVISE_CLUSTER_DIR=$${PAVISE_CLUSTER_DIR:-/tmp/pavise-cluster-e2e} e2e/cluster/manifests-test
	$(Q)PAVISE_CLUSTER_DIR=$${PAVISE_CLUSTER_DIR:-/tmp/pavise-cluster-e2e} e2e/cluster/webhook-e2e
	$(Q)PAVISE_CLUSTER_DIR=$${PAVISE_CLUSTER_DIR:-/tmp/pavise-cluster-e2e} e2e/cluster/controller-e2e
	$(Q)PAVISE_CLUSTER_DIR=$${PAVISE_CLUSTER_DIR:-/tmp/pavise-cluster-e2e} e2e/cluster/status-e2e
	$(Q)PAVISE_CLUSTER_DIR=$${PAVISE_CLUSTER_DIR:-/tmp/pavise-cluster-e2e} e2e/cluster/scheduling-e2e

bench-webhook: all
	$(Q)bench/webhook/run

bench-compiler: all
	$(Q)bench/compiler/run

# The enforcer's cost, inside one boot of the kernel lab (bench/enforcer/README.md).
bench-enforcer: all
	$(Q)bench/enforcer/run

clean:
	rm -rf $(OUTPUT)

-include $(shell find $(OUTPUT) -path '*/obj/*' -name '*.d' -type f 2>/dev/null)

.DELETE_ON_ERROR:
.SECONDARY:
