# One Makefile for the whole project. User CFLAGS are kept; the project's
# flags are appended (FINAL_CFLAGS). Libraries come from pkg-config.
#
#   make deps    install what is missing (Debian packages)
#   make         bin/collector (and bin/hub)
#   make test    every test: unit, cases, end to end
#   make check   the same under AddressSanitizer + UBSan, fuzz corpora too
#   make coverage  line coverage of common/ forms/ collector/ by the tests
#   make bench   figures, as ratios against a baseline measured in the run
#   make fuzz    the libFuzzer targets, FUZZ_SECONDS each
#   make run     a promoter filling the anaemia survey in a fresh store

# No "Entering directory" lines from a make started by another (the
# tests run `make run` from inside `make test`: its output is the survey).
MAKEFLAGS += --no-print-directory

PREFIX	?= /usr/local
DESTDIR	?=
BUILD	?= build
BIN	?= bin
CC	?= cc
CFLAGS	?= -O2 -g
WERROR	?=
FUZZ_SECONDS ?= 30
VERSION	:= 0.1.0

# Each program links what it uses (pkg-config names); tests take them all.
FORMS_PKGS	:= libzip expat libsodium jansson nettle
COLLECTOR_PKGS	:= $(FORMS_PKGS) sqlite3 zlib libcurl libedit
HUB_PKGS	:= $(FORMS_PKGS) sqlite3 zlib libcurl libmicrohttpd xlsxwriter \
		   libpq
PKGS	:= $(sort $(COLLECTOR_PKGS) $(HUB_PKGS) xlsxwriter)
LOCALEDIR ?= $(abspath $(BUILD))/locale
WARN	:= -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wvla -Wformat=2 $(WERROR)
# pkg-config is asked once, when the first recipe needs it: after `deps`
# has installed what was missing (a fresh machine's `make test` parses
# this file before anything is installed).
pkg_missing = $(shell for p in $(PKGS); do \
	   pkg-config --exists $$p || echo $$p; done)
pkg_query = $(if $(pkg_missing),$(error missing libraries: \
	   $(pkg_missing); run 'make deps'),$(shell pkg-config $(1)))
PKG_CFLAGS = $(eval PKG_CFLAGS := $(call pkg_query,--cflags $(PKGS)))$(PKG_CFLAGS)
PKG_LIBS = $(eval PKG_LIBS := $(call pkg_query,--libs $(PKGS)))$(PKG_LIBS)
COLLECTOR_LIBS = $(eval COLLECTOR_LIBS := \
	   $(call pkg_query,--libs $(COLLECTOR_PKGS)) -lm)$(COLLECTOR_LIBS)
HUB_LIBS = $(eval HUB_LIBS := \
	   $(call pkg_query,--libs $(HUB_PKGS)) -lm -lpthread)$(HUB_LIBS)
FINAL_CFLAGS = $(CFLAGS) -std=c11 -D_DEFAULT_SOURCE $(WARN) \
	   -DVERSION='"$(VERSION)"' -DLOCALEDIR='"$(LOCALEDIR)"' $(PKG_CFLAGS)
FINAL_LDFLAGS = $(LDFLAGS)
LIBS	= $(PKG_LIBS) -lm -lpthread

DEB_PKGS := build-essential pkg-config libsqlite3-dev sqlite3 \
	   libcurl4-openssl-dev zlib1g-dev libzip-dev libexpat1-dev \
	   libsodium-dev libjansson-dev libedit-dev libmicrohttpd-dev \
	   nettle-dev libxlsxwriter-dev libcmocka-dev gettext tmux unzip bc \
	   jq clang \
	   curl xz-utils openssl python3 python3-openpyxl \
	   chromium chromium-driver python3-selenium \
	   libclang-rt-14-dev postgresql libpq-dev

COMMON_SRC	:= $(sort $(wildcard common/*.c))
FORMS_SRC	:= $(sort $(wildcard forms/*.c))
DB_SRC		:= $(sort $(wildcard db/*.c))
SYNC_SRC	:= $(sort $(wildcard sync/*.c))
COLLECTOR_SRC	:= $(filter-out collector/main.c, \
		   $(sort $(wildcard collector/*.c)))
HUB_SRC		:= $(filter-out hub/main.c, $(sort $(wildcard hub/*.c)))
UNIT_SRC	:= $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC	:= $(sort $(wildcard tests/fuzz/fuzz_*.c))
PO		:= $(sort $(wildcard po/*.po))

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
LIBCOMMON	:= $(BUILD)/libcommon.a
LIBFORMS	:= $(BUILD)/libforms.a
LIBSURVEYS	:= $(BUILD)/libsurveys.a
LIBDB		:= $(BUILD)/libdb.a
LIBSYNC		:= $(BUILD)/libsync.a
LIBCOLLECTOR	:= $(BUILD)/libcollector.a
LIBHUB		:= $(BUILD)/libhub.a
# In link order: a library before those it uses.
COLLECTOR_LINK	:= $(LIBCOLLECTOR) $(LIBSYNC) $(LIBDB) $(LIBSURVEYS) \
		   $(LIBFORMS) $(LIBCOMMON)
HUB_LINK	:= $(LIBHUB) $(LIBSYNC) $(LIBDB) $(LIBSURVEYS) $(LIBFORMS) \
		   $(LIBCOMMON)
ALLLIBS		:= $(LIBCOLLECTOR) $(LIBHUB) $(LIBSYNC) $(LIBDB) \
		   $(LIBSURVEYS) $(LIBFORMS) $(LIBCOMMON)
UNIT_BIN	:= $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
MO		:= $(patsubst po/%.po,$(BUILD)/locale/%/LC_MESSAGES/collector.mo,$(PO))

# The bundled surveys: CSV in git (diffable), .xlsx built for the office.
SURVEYS		:= $(sort $(wildcard forms/surveys/*.csv))
SURVEY_MEDIA	:= $(sort $(wildcard forms/surveys/*-media/*.csv))
SURVEYS_XLSX	:= $(patsubst forms/surveys/%.csv,$(BUILD)/surveys/%.xlsx,\
		   $(SURVEYS))

.PHONY: all deps test check coverage bench fuzz run install clean po
all: $(BIN)/collector $(BIN)/hub $(MO) $(SURVEYS_XLSX)

$(BUILD)/tools/%: tools/%.c $(LIBFORMS) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(FINAL_CFLAGS) $(FINAL_LDFLAGS) -o $@ $^ $(LIBS)

# A survey's attachments go beside its .xlsx, as ODK Collect keeps them.
$(BUILD)/surveys/%.xlsx: forms/surveys/%.csv $(BUILD)/tools/csv2xlsx \
    $(SURVEY_MEDIA)
	@mkdir -p $(dir $@)
	$(BUILD)/tools/csv2xlsx $< $@
	rm -rf $(BUILD)/surveys/$*-media
	if [ -d forms/surveys/$*-media ]; then \
	    cp -R forms/surveys/$*-media $(BUILD)/surveys/; fi

# The same surveys inside the programs, for `collector init` and `hub init`.
$(BUILD)/gen/surveys.c: forms/surveys/embed.sh $(SURVEYS) $(SURVEY_MEDIA)
	@mkdir -p $(dir $@)
	sh forms/surveys/embed.sh $@ $(SURVEYS)
$(BUILD)/gen/surveys.o: $(BUILD)/gen/surveys.c forms/forms.h
	$(CC) $(FINAL_CFLAGS) -I. -c -o $@ $<
$(LIBSURVEYS): $(BUILD)/gen/surveys.o

# The report's data (hub/data/*.csv: districts, baselines, scales) inside
# bin/hub, the same way.
HUB_DATA	:= $(sort $(wildcard hub/data/*.csv))
$(BUILD)/gen/hubdata.c: hub/data/embed.sh $(HUB_DATA)
	@mkdir -p $(dir $@)
	sh hub/data/embed.sh $@ $(HUB_DATA)
$(BUILD)/gen/hubdata.o: $(BUILD)/gen/hubdata.c hub/hub.h hub/report.h
	$(CC) $(FINAL_CFLAGS) -I. -c -o $@ $<
$(LIBHUB): $(BUILD)/gen/hubdata.o

# The pseudo-terminal driver of the interactive end-to-end tests.
$(BUILD)/tests/ptyrun: tests/e2e/ptyrun.c
	@mkdir -p $(dir $@)
	$(CC) $(FINAL_CFLAGS) $(FINAL_LDFLAGS) -o $@ $< -lutil

# The fault-injecting TCP proxy of the sync tests and benches.
$(BUILD)/tests/faultproxy: tests/tools/faultproxy.c
	@mkdir -p $(dir $@)
	$(CC) $(FINAL_CFLAGS) $(FINAL_LDFLAGS) -o $@ $<

# po/es.po from the sources: `make po` after changing a message.
po:
	@mkdir -p $(BUILD)
	xgettext --from-code=UTF-8 -k_ -kN_ --add-comments=TRANSLATORS: \
		--package-name=collector \
		-o $(BUILD)/collector.pot $(COMMON_SRC) \
		$(FORMS_SRC) $(DB_SRC) $(SYNC_SRC) $(COLLECTOR_SRC) \
		collector/main.c $(HUB_SRC) hub/main.c
	msgmerge -q -U --backup=none po/es.po $(BUILD)/collector.pot

deps:
	@if ! command -v dpkg >/dev/null; then \
		echo "deps: not a Debian system; install the equivalents of:"; \
		echo "  $(DEB_PKGS)"; exit 0; \
	fi; \
	missing=$$(for p in $(DEB_PKGS); do \
		dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		echo "installing:" $$missing; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq \
			$$missing; \
	fi

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(FINAL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBCOMMON): $(call obj,$(COMMON_SRC))
$(LIBFORMS): $(call obj,$(FORMS_SRC))
$(LIBDB): $(call obj,$(DB_SRC))
$(LIBSYNC): $(call obj,$(SYNC_SRC))
$(LIBCOLLECTOR): $(call obj,$(COLLECTOR_SRC))
$(LIBHUB): $(call obj,$(HUB_SRC))
$(ALLLIBS):
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(BIN)/collector: $(call obj,collector/main.c) $(COLLECTOR_LINK)
	@mkdir -p $(dir $@)
	$(CC) $(FINAL_CFLAGS) $(FINAL_LDFLAGS) -o $@ $^ $(COLLECTOR_LIBS)

$(BIN)/hub: $(call obj,hub/main.c) $(HUB_LINK)
	@mkdir -p $(dir $@)
	$(CC) $(FINAL_CFLAGS) $(FINAL_LDFLAGS) -o $@ $^ $(HUB_LIBS)

$(BUILD)/locale/%/LC_MESSAGES/collector.mo: po/%.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(ALLLIBS)
	@mkdir -p $(dir $@)
	$(CC) $(FINAL_CFLAGS) $(FINAL_LDFLAGS) -o $@ $^ $(LIBS) -lcmocka

$(BUILD)/tests/cases: tests/cases/driver.c $(ALLLIBS)
	@mkdir -p $(dir $@)
	$(CC) $(FINAL_CFLAGS) $(FINAL_LDFLAGS) -o $@ $^ $(LIBS)

test: deps all $(UNIT_BIN) $(BUILD)/tests/cases $(BUILD)/tests/ptyrun \
	   $(BUILD)/tests/faultproxy
	@BUILD=$(BUILD) BIN=$(BIN) E2E_PG=$(E2E_PG) tests/run.sh

# Whether `make test` runs the hub's scripts a second time on PostgreSQL.
E2E_PG	?= 1

# Everything again under the sanitizers, in its own tree. The hub's
# scripts run once, on SQLite: the second pass would double the time for
# code that t2500-t2540 already run on PostgreSQL under the sanitizers.
check: deps
	$(MAKE) BUILD=build-asan BIN=build-asan/bin E2E_PG=0 \
		CFLAGS="-O1 -g -fsanitize=address,undefined \
		-fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" test fuzz-replay

# Fuzz targets: libFuzzer with clang for `make fuzz`; the same entry points
# linked to a replay driver for `make check`.
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined
fuzz: deps
	@for f in $(FUZZ_SRC); do \
		n=$$(basename $$f .c); \
		$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang \
			CFLAGS="-g -O1 -fsanitize=fuzzer-no-link,address,undefined" \
			build-fuzz/libsync.a build-fuzz/libforms.a build-fuzz/libcommon.a || exit 1; \
		clang $(FUZZ_FLAGS) -std=c11 -D_DEFAULT_SOURCE \
			$$(pkg-config --cflags $(PKGS)) -o build-fuzz/$$n $$f \
			build-fuzz/libsync.a build-fuzz/libforms.a build-fuzz/libcommon.a \
			$(LIBS) || exit 1; \
		mkdir -p build-fuzz/corpus/$$n; \
		echo "fuzzing $$n for $(FUZZ_SECONDS)s"; \
		build-fuzz/$$n -max_total_time=$(FUZZ_SECONDS) \
			-max_len=65536 -rss_limit_mb=1024 -timeout=10 \
			build-fuzz/corpus/$$n tests/fuzz/corpus/$$n \
			>build-fuzz/$$n.log 2>&1 || \
			{ tail -40 build-fuzz/$$n.log; exit 1; }; \
		tail -1 build-fuzz/$$n.log; \
	done

fuzz-replay: $(ALLLIBS)
	@for f in $(FUZZ_SRC); do \
		n=$$(basename $$f .c); \
		$(CC) $(FINAL_CFLAGS) $(FINAL_LDFLAGS) -o $(BUILD)/$$n $$f \
			tests/fuzz/replay.c $(ALLLIBS) $(LIBS) || exit 1; \
		$(BUILD)/$$n tests/fuzz/corpus/$$n || exit 1; \
	done

BENCH_BIN := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,\
	   $(wildcard tests/bench/*.c))
$(BUILD)/bench/%: tests/bench/%.c $(ALLLIBS)
	@mkdir -p $(dir $@)
	$(CC) $(FINAL_CFLAGS) $(FINAL_LDFLAGS) -o $@ $^ $(LIBS)

# Line coverage of the libraries by the whole suite (gcov, in build-cov/).
coverage: deps
	$(MAKE) BUILD=build-cov BIN=build-cov/bin CFLAGS="-O0 -g --coverage" \
		LDFLAGS="--coverage" test
	@BUILD=build-cov tests/coverage.sh

bench: deps all $(BENCH_BIN) $(BUILD)/tests/faultproxy
	@BUILD=$(BUILD) BIN=$(BIN) tests/bench/run.sh

# The survey is what `make run` shows: the build is quiet, its output
# (in $(BUILD)/run-build.log) shown only when it fails.
run: deps
	@mkdir -p $(BUILD); \
	if ! $(MAKE) -s --no-print-directory all >$(BUILD)/run-build.log 2>&1; \
	then cat $(BUILD)/run-build.log; exit 1; fi
	@COLLECTOR_HOME=$${COLLECTOR_HOME:-$(CURDIR)/demo} tests/demo.sh $(BIN)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BIN)/collector $(BIN)/hub $(DESTDIR)$(PREFIX)/bin/
	@for m in $(MO); do \
		l=$$(echo $$m | sed 's|$(BUILD)/locale/||'); \
		install -D -m 644 $$m $(DESTDIR)$(PREFIX)/share/locale/$$l; \
	done

clean:
	rm -rf build build-asan build-fuzz build-cov bin

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
