# SmartPick — build, test, bench, fuzz.
#
#   make            library + smartpick command (build/)
#   make run        install what is missing, build, serve the page
#   make demo       the command-line demo (gen | match | verify)
#   make test       the whole suite, fuzz corpora replayed; last line
#                   "N passed, N failed"
#   make SANITIZE=address,undefined test   the same under sanitizers
#   make DEBUG=1 BUILD=build-debug          assertions on, no sanitizers
#   make bench      benchmarks (figures go to docs/benchmarks.md by hand)
#   make fuzz       each libFuzzer harness for FUZZ_SECONDS (default 30)
#   make check      clang-format and the unsafe-function check
#   make install    the command, the page and the manual pages under
#                   PREFIX (/usr/local), staged under DESTDIR if given
#
# Dependencies are found with pkg-config; tools/deps installs them.

CC       ?= cc
SANITIZE ?=
OPT      ?= -O2
ifeq ($(SANITIZE),)
BUILD    ?= build
else
BUILD    ?= build-san
endif

PKGS      := sqlite3 gsl libmicrohttpd
TEST_PKGS := cmocka
WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wpointer-arith -Wvla -Wformat=2
CFLAGS   ?= $(OPT) -g
ALL_CFLAGS = -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) \
             -Iinclude -Isrc $(CFLAGS) $(shell pkg-config --cflags $(PKGS))
LDLIBS_ALL = $(shell pkg-config --libs $(PKGS)) -lm -lpthread
ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS    += -fsanitize=$(SANITIZE)
endif
# Invariants are asserted in debug builds (DEBUG=1, and every sanitizer
# build, which CI runs the whole suite under); release builds drop them.
ifeq ($(SANITIZE)$(DEBUG),)
ALL_CFLAGS += -DNDEBUG
endif

LIB_SRC  := $(sort $(wildcard src/*.c))
CLI_SRC  := $(sort $(wildcard cli/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
BENCH_SRC:= $(sort $(wildcard bench/*.c))
# The harnesses; replay.c is the driver that replays their corpora.
FUZZ_SRC := $(filter-out tests/fuzz/replay.c,$(sort $(wildcard tests/fuzz/*.c)))
# The server: handler, static files, JSON writer and the MHD transport
# (http.c, left out of the fuzz harness, which needs no sockets).
SRV_SRC  := $(sort $(wildcard server/*.c))
SRV_CORE := $(filter-out server/http.c,$(SRV_SRC))

DATA_CSV := $(sort $(wildcard data/*.csv))
DATA_C   := $(BUILD)/gen/data_embed.c
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/data_embed.o
# The help topics (man/topics/*.txt), embedded in the command.
TOPICS   := $(sort $(wildcard man/topics/*.txt))
HELP_C   := $(BUILD)/gen/help_embed.c
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/help_embed.o
SRV_OBJ  := $(SRV_SRC:%.c=$(BUILD)/%.o)
SRV_LIB  := $(BUILD)/libsmartpick-server.a
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_BIN:= $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
LIB      := $(BUILD)/libsmartpick.a
BIN      := $(BUILD)/smartpick

.PHONY: all run demo web test unit bench fuzz check format clean deps \
        man install uninstall replay
all: $(BIN) man

# Header dependencies: each compile writes its .d beside its output.
DEPS := $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(SRV_OBJ:.o=.d) \
        $(UNIT_BIN:=.d) $(BENCH_BIN:=.d)
-include $(DEPS)
-include $(REPLAY_BIN:=.d) $(BUILD)/fuzz/replay.d

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(DATA_C): $(DATA_CSV) tools/embed
	@mkdir -p $(dir $@)
	tools/embed $@ $(DATA_CSV)

$(BUILD)/gen/data_embed.o: $(DATA_C)
	$(CC) $(ALL_CFLAGS) -MMD -MP -Wno-missing-prototypes -c $< -o $@

$(HELP_C): $(TOPICS) tools/embed
	@mkdir -p $(dir $@)
	tools/embed -f cli_help_file $@ $(TOPICS)

$(BUILD)/gen/help_embed.o: $(HELP_C)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(SRV_LIB): $(SRV_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(SRV_LIB) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(SRV_LIB) $(LIB) $(LDLIBS_ALL)

# Unit tests write only under $(BUILD)/tmp (testutil.h, tu_tmp).
$(BUILD)/tests/%: tests/unit/%.c $(SRV_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -Iserver \
	  -DSP_TEST_TMP='"$(abspath $(BUILD))/tmp"' \
	  $(shell pkg-config --cflags $(TEST_PKGS)) $(LDFLAGS) \
	  -o $@ $< $(SRV_LIB) $(LIB) $(shell pkg-config --libs $(TEST_PKGS)) \
	  $(LDLIBS_ALL)

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS_ALL)

unit: $(UNIT_BIN)

# Each harness linked with tests/fuzz/replay.c instead of libFuzzer, with
# the normal compiler and flags (sanitizers too): `make test` runs it over
# tests/fuzz/corpus/<harness>/.
$(BUILD)/fuzz/replay.o: tests/fuzz/replay.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/fuzz/replay.o $(SRV_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -Iserver $(LDFLAGS) -o $@ $< \
	  $(BUILD)/fuzz/replay.o $(SRV_LIB) $(LIB) $(LDLIBS_ALL)

replay: $(REPLAY_BIN)

# Manual pages: smartpick(1) is generated, its TOPICS section from
# man/topics/ (the text `smartpick help TOPIC` prints); the rest are
# written by hand in man/ and copied.
SP_VER    := $(shell sed -n 's/^\#define SP_VERSION "\(.*\)"/\1/p' include/smartpick.h)
MAN_PAGES := $(BUILD)/man/smartpick.1 \
             $(patsubst man/%,$(BUILD)/man/%,$(wildcard man/smartpick-*.1))
$(BUILD)/man/smartpick.1: man/smartpick.1.in $(TOPICS) tools/man-topics
	@mkdir -p $(dir $@)
	VERSION=$(SP_VER) tools/man-topics $@ $< $(TOPICS)
$(BUILD)/man/%.1: man/%.1
	@mkdir -p $(dir $@)
	cp $< $@
man: $(MAN_PAGES)

# The installed layout; `smartpick serve` finds PREFIX/share/smartpick/web
# from its own location (cli/cmd_serve.c), so DESTDIR staging works.
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/smartpick
MANDIR  ?= $(PREFIX)/share/man
install: all web
	@test -s web/dist/index.html || { echo "make install: web/dist is not built"; exit 1; }
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DATADIR)
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/smartpick
	install -m 644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/man1/
	rm -rf $(DESTDIR)$(DATADIR)/web
	cp -R web/dist $(DESTDIR)$(DATADIR)/web
	chmod -R u=rwX,go=rX $(DESTDIR)$(DATADIR)/web
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/smartpick \
	  $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN_PAGES)))
	rm -rf $(DESTDIR)$(DATADIR)

deps:
	tools/deps

# The page: tools/web-build writes web/dist/ (skipped until it exists).
web:
	@if [ -x tools/web-build ]; then tools/web-build; \
	else echo "make web: no tools/web-build yet; skipping"; fi

run: deps
	$(MAKE) all web
	@test -s smartpick.db || { $(BUILD)/smartpick catalog init && \
	  echo "simulating the market for the advisor (once)..." && \
	  $(BUILD)/smartpick catalog stats; }
	$(BUILD)/smartpick serve

demo: all
	@test -s smartpick.db || $(BUILD)/smartpick catalog init
	tools/demo $(BUILD)/smartpick

# Like run: what is missing is installed first, then a fresh make (so
# that pkg-config sees the new packages) builds what the suite needs.
test: deps
	$(MAKE) $(BIN) unit replay
	BUILD=$(BUILD) tests/run

bench: $(BIN) $(BENCH_BIN)
	BUILD=$(BUILD) bench/run

# libFuzzer harnesses need clang; each runs FUZZ_SECONDS from its corpus.
FUZZ_SECONDS ?= 30
FUZZ_BUILD   := build-fuzz
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_FLAGS   := -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 \
                -Iinclude -Isrc -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all \
                $(shell pkg-config --cflags $(PKGS))
$(FUZZ_BUILD)/%: tests/fuzz/%.c $(LIB_SRC) $(DATA_C) src/internal.h include/smartpick.h
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -o $@ $< $(LIB_SRC) $(DATA_C) $(LDLIBS_ALL)
$(FUZZ_BUILD)/fuzz_http: tests/fuzz/fuzz_http.c $(LIB_SRC) $(SRV_CORE) $(DATA_C) \
  src/internal.h include/smartpick.h server/server.h
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -Iserver -o $@ $< $(LIB_SRC) $(SRV_CORE) \
	  $(DATA_C) $(LDLIBS_ALL)
$(FUZZ_BIN): $(DATA_C)
fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do n=$$(basename $$f); \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$n; \
	  echo "fuzz $$n for $(FUZZ_SECONDS)s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	    $(FUZZ_BUILD)/corpus/$$n tests/fuzz/corpus/$$n 2>&1 | tail -n 3 || exit 1; \
	done

check:
	tools/check-src
	clang-format --dry-run --Werror $(LIB_SRC) $(CLI_SRC) $(UNIT_SRC) \
	  $(BENCH_SRC) $(FUZZ_SRC) tests/fuzz/replay.c $(SRV_SRC) \
	  include/smartpick.h src/*.h cli/*.h server/*.h tests/unit/*.h mpi/*.c

format:
	clang-format -i $(LIB_SRC) $(CLI_SRC) $(UNIT_SRC) $(BENCH_SRC) $(FUZZ_SRC) \
	  tests/fuzz/replay.c $(SRV_SRC) include/smartpick.h src/*.h cli/*.h \
	  server/*.h tests/unit/*.h mpi/*.c

clean:
	rm -rf build build-san build-fuzz

# smartpick-mpi: the same command with its simulations spread over MPI
# ranks (mpi/main.c, docs/mpi.md).  Needs Open MPI (tools/deps); the
# plain build does not.  cli/main.c is compiled again with its main
# renamed cli_main, which mpi/main.c calls between MPI_Init and
# MPI_Finalize.
MPI_PKG     := ompi-c
MPI_BIN     := $(BUILD)/smartpick-mpi
MPI_CLI_OBJ := $(filter-out $(BUILD)/cli/main.o,$(CLI_OBJ))
.PHONY: mpi
mpi: $(MPI_BIN)
$(BUILD)/mpi/cli_main.o: cli/main.c cli/cli.h include/smartpick.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Dmain=cli_main -Wno-missing-prototypes -c $< -o $@
$(BUILD)/mpi/main.o: mpi/main.c cli/cli.h include/smartpick.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Icli $(shell pkg-config --cflags $(MPI_PKG)) \
	  -c $< -o $@
$(MPI_BIN): $(BUILD)/mpi/main.o $(BUILD)/mpi/cli_main.o $(MPI_CLI_OBJ) \
  $(SRV_LIB) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(BUILD)/mpi/main.o $(BUILD)/mpi/cli_main.o \
	  $(MPI_CLI_OBJ) $(SRV_LIB) $(LIB) $(LDLIBS_ALL) \
	  $(shell pkg-config --libs $(MPI_PKG))
