/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The toolchains a compile can choose: every clang of /usr/lib/llvm-N (Debian's clang-N
 * packages) and the build's own clang, newest first, each with the server's libbpf headers:
 * those of its install prefix (compile_toolchains_set_libbpf), else EUCC_LIBBPF_HEADERS, else
 * /usr/include.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "compile_internal.h"

#define TOOLCHAIN_MAX  16
#define LLVM_MIN_MAJOR 10
#define LLVM_MAX_MAJOR 40

struct toolchain_slot {
	struct compile_toolchain tc;
	char name[32];
	char clang[PATH_MAX];
	char strip[PATH_MAX];
	char version[128];
	char identity[256];
};

static struct toolchain_slot slots[TOOLCHAIN_MAX];
static size_t nslots;
static char libbpf_dir[PATH_MAX];
static char libbpf_version[32];
static char libbpf_prefix[PATH_MAX]; /* compile_toolchains_set_libbpf's, or "" */
static bool toolchains_ready;

/* "1.5" from bpf/libbpf_version.h under @dir, or false. */
static bool read_libbpf_version(const char *dir, char *out, size_t size)
{
	char path[PATH_MAX + 32], line[256];
	long major = -1, minor = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/bpf/libbpf_version.h", dir);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "#define LIBBPF_MAJOR_VERSION ", 29))
			major = strtol(line + 29, NULL, 10);
		else if (!strncmp(line, "#define LIBBPF_MINOR_VERSION ", 29))
			minor = strtol(line + 29, NULL, 10);
	}
	fclose(f);
	if (major < 0 || minor < 0)
		return false;
	snprintf(out, size, "%ld.%ld", major, minor);
	return true;
}

/* The prefix's libbpf headers, else the configured ones, else the system's (/usr/include). */
static void find_libbpf(void)
{
	const char *const dirs[] = {libbpf_prefix, EUCC_LIBBPF_HEADERS, "/usr/include"};
	const size_t ndirs = sizeof(dirs) / sizeof(dirs[0]);
	char helpers[PATH_MAX + 32];

	for (size_t i = 0; i < ndirs; i++) {
		if (!dirs[i][0])
			continue;
		snprintf(helpers, sizeof(helpers), "%s/bpf/bpf_helpers.h", dirs[i]);
		if (access(helpers, R_OK) || !realpath(dirs[i], libbpf_dir) ||
		    !read_libbpf_version(libbpf_dir, libbpf_version, sizeof(libbpf_version)))
			continue;
		if (i == ndirs - 1)
			eucc_warn("no libbpf headers in %s%s%s; compiling with %s (libbpf %s): "
				  "scripts/setup.sh builds libbpf 1.5's, and the build installs "
				  "them with the server (docs/compile.md)",
				  libbpf_prefix, libbpf_prefix[0] ? " or " : "",
				  EUCC_LIBBPF_HEADERS, libbpf_dir, libbpf_version);
		return;
	}
	snprintf(libbpf_dir, sizeof(libbpf_dir), "/usr/include");
	snprintf(libbpf_version, sizeof(libbpf_version), "unknown");
}

int compile_toolchains_set_libbpf(const char *dir)
{
	if (toolchains_ready)
		return -EBUSY;
	if (snprintf(libbpf_prefix, sizeof(libbpf_prefix), "%s", dir ? dir : "") >=
	    (int)sizeof(libbpf_prefix)) {
		libbpf_prefix[0] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

/* The major version in "... clang version 19.1.7 ...", or 0. */
static unsigned int version_major(const char *version)
{
	const char *p = strstr(version, "clang version ");

	return p ? (unsigned int)strtoul(p + 14, NULL, 10) : 0;
}

/* Add the clang at @path (its real path inside /usr, llvm-strip beside it) once. */
static void add_clang(const char *path)
{
	struct toolchain_slot *s = &slots[nslots];
	char *const argv[] = {s->clang, "--version", NULL};
	char identity[sizeof(s->identity)], *slash;

	if (nslots == TOOLCHAIN_MAX || !realpath(path, s->clang) || strncmp(s->clang, "/usr/", 5))
		return;
	for (size_t i = 0; i < nslots; i++)
		if (!strcmp(slots[i].clang, s->clang))
			return;
	memcpy(s->strip, s->clang, sizeof(s->strip));
	slash = strrchr(s->strip, '/');
	snprintf(slash + 1, sizeof(s->strip) - (size_t)(slash + 1 - s->strip), "llvm-strip");
	if (access(s->strip, X_OK) &&
	    (!realpath(EUCC_LLVM_STRIP, s->strip) || strncmp(s->strip, "/usr/", 5)))
		return;
	if (compile_command_line(argv, s->version, sizeof(s->version)) ||
	    !(s->tc.clang_major = version_major(s->version)))
		return;
	snprintf(s->name, sizeof(s->name), "clang-%u", s->tc.clang_major);
	for (size_t i = 0; i < nslots; i++)
		if (!strcmp(slots[i].name, s->name))
			return; /* two paths of one version: the first stays */
	snprintf(identity, sizeof(identity), "%s|%s|libbpf %s", s->name, s->version,
		 libbpf_version);
	memcpy(s->identity, identity, sizeof(s->identity));
	s->tc.name = s->name;
	s->tc.clang = s->clang;
	s->tc.strip = s->strip;
	s->tc.clang_version = s->version;
	s->tc.libbpf_dir = libbpf_dir;
	s->tc.libbpf_version = libbpf_version;
	s->tc.identity = s->identity;
	nslots++;
}

static int slot_newest_first(const void *a, const void *b)
{
	const struct toolchain_slot *x = a, *y = b;

	return (int)y->tc.clang_major - (int)x->tc.clang_major;
}

static void toolchains_init(void)
{
	char path[64];

	toolchains_ready = true;
	find_libbpf();
	for (int n = LLVM_MAX_MAJOR; n >= LLVM_MIN_MAJOR; n--) {
		snprintf(path, sizeof(path), "/usr/lib/llvm-%d/bin/clang", n);
		if (!access(path, X_OK))
			add_clang(path);
	}
	add_clang(EUCC_CLANG);
	qsort(slots, nslots, sizeof(slots[0]), slot_newest_first);
	for (size_t i = 0; i < nslots; i++) { /* qsort moved them: point into the slot again */
		struct toolchain_slot *s = &slots[i];

		s->tc.name = s->name;
		s->tc.clang = s->clang;
		s->tc.strip = s->strip;
		s->tc.clang_version = s->version;
		s->tc.identity = s->identity;
	}
}

static void toolchains_once(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, toolchains_init);
}

size_t compile_toolchain_count(void)
{
	toolchains_once();
	return nslots;
}

const struct compile_toolchain *compile_toolchain_at(size_t i)
{
	toolchains_once();
	return i < nslots ? &slots[i].tc : NULL;
}

/* "clang-19 (the default), clang-16, clang-14" */
static void names_text(char *out, size_t size)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < nslots && o < size; i++)
		o += (size_t)snprintf(out + o, size - o, "%s%s%s", i ? ", " : "", slots[i].name,
				      i ? "" : " (the default)");
}

int compile_toolchain_find(const char *name, const struct compile_toolchain **out,
			   struct eucc_error *err)
{
	char names[512];

	toolchains_once();
	*out = NULL;
	if (!nslots)
		return eucc_error_set(err, -ENOENT, EUCC_E_INTERNAL,
				      "no clang found (/usr/lib/llvm-N/bin/clang, %s)", EUCC_CLANG);
	if (!name) {
		*out = &slots[0].tc;
		return 0;
	}
	for (size_t i = 0; i < nslots; i++) {
		if (!strcmp(slots[i].name, name)) {
			*out = &slots[i].tc;
			return 0;
		}
	}
	names_text(names, sizeof(names));
	eucc_error_set(err, -ENOENT, EUCC_E_BAD_REQUEST, "toolchain '%.32s' is not available",
		       name);
	eucc_error_hint(err, "this server has %s (GET /v1/info lists them)", names);
	return -ENOENT;
}

struct cJSON *compile_toolchains_json(void)
{
	cJSON *arr = cJSON_CreateArray();

	toolchains_once();
	for (size_t i = 0; arr && i < nslots; i++) {
		cJSON *o = compile_toolchain_json(&slots[i].tc);

		cJSON_AddBoolToObject(o, "default", i == 0);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

struct cJSON *compile_toolchain_json(const struct compile_toolchain *tc)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "name", tc->name);
	cJSON_AddStringToObject(o, "clang", tc->clang_version);
	cJSON_AddStringToObject(o, "libbpf_headers", tc->libbpf_version);
	return o;
}
