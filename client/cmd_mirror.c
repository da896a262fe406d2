/* SPDX-License-Identifier: Apache-2.0 */
/* eucc-remote mirror (DIGEST|PKG|oci://...)... -o DIR: packages and an index that any static file
 * server, or `eucc-server serve --mirror DIR`, serves under the server's own URLs. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "remote.h"

#define INDEX_FORMAT 1

struct mirror_args {
	const char *dir;
};

/* One package of the index, from its manifest. */
static cJSON *index_entry(const char *hex, size_t size, const cJSON *m, const char *source)
{
	cJSON *e = cJSON_CreateObject(), *ks = NULL, *k;
	char digest[80], path[96];

	snprintf(digest, sizeof(digest), "sha256:%s", hex);
	snprintf(path, sizeof(path), "v1/artifacts/%s", hex);
	cJSON_AddStringToObject(e, "digest", digest);
	cJSON_AddNumberToObject(e, "size", (double)size);
	cJSON_AddStringToObject(e, "name", json_str(m, "name"));
	cJSON_AddStringToObject(e, "arch", json_str(m, "arch"));
	cJSON_AddStringToObject(e, "path", path);
	cJSON_AddStringToObject(e, "source", source);
	ks = cJSON_AddArrayToObject(e, "kernels");
	cJSON_ArrayForEach(k, cJSON_GetObjectItem(m, "kernels")) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "release", json_str(k, "release"));
		cJSON_AddStringToObject(o, "distro", json_str(k, "distro"));
		cJSON_AddStringToObject(o, "version", json_str(k, "version"));
		cJSON_AddStringToObject(o, "arch", json_str(k, "arch"));
		cJSON_AddStringToObject(o, "status", json_str(k, "status"));
		cJSON_AddItemToArray(ks, o);
	}
	return e;
}

/* The local file of @arg: a file as given, else pulled into the package cache (a digest, a URL,
 * an oci:// reference). */
static int package_path(const struct remote_config *cfg, const char *arg, char *path, size_t size,
			struct eucc_error *err)
{
	if (!access(arg, F_OK) && !fs_is_dir(arg)) {
		snprintf(path, size, "%s", arg);
		return 0;
	}
	if (!pull_is_ref(arg)) {
		eucc_error_set(err, -ENOENT, EUCC_E_USAGE,
			       "'%s' is no file, digest, URL or oci:// reference", arg);
		eucc_error_hint(err,
				"give .eucc files, sha256:<hex> digests (pulled from --server), "
				"or oci://REGISTRY/REPO@sha256:<hex>");
		return -ENOENT;
	}
	return pull_cached(cfg, arg, path, size, err);
}

/* Copy one package into DIR/v1/artifacts/<hex> and add it to @index (by digest). */
static int mirror_one(const struct remote_config *cfg, const char *dir, const char *arg,
		      cJSON *index, struct eucc_error *err)
{
	char path[PATH_MAX], hex[EUCC_SHA256_HEX], dest[PATH_MAX + 96];
	cJSON *e, *old;
	struct pkg *pkg;
	void *data;
	size_t len;
	int ret;

	ret = package_path(cfg, arg, path, sizeof(path), err);
	if (ret)
		return ret;
	ret = fs_read_file(path, PKG_MAX_SIZE, &data, &len);
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_IO, "cannot read %s: %s", path,
				      strerror(-ret));
	ret = pkg_open(data, len, &pkg, err); /* a mirror holds only packages that verify */
	if (ret) {
		free(data);
		return ret;
	}
	eucc_sha256_hex(data, len, hex);
	snprintf(dest, sizeof(dest), "%s/v1/artifacts/%s", dir, hex);
	ret = fs_write_atomic(dest, data, len);
	if (ret)
		eucc_error_set(err, ret, EUCC_E_IO, "cannot write %s: %s", dest, strerror(-ret));
	if (!ret) {
		e = index_entry(hex, len, pkg_manifest(pkg), arg);
		old = cJSON_GetObjectItem(index, hex);
		if (old)
			cJSON_ReplaceItemInObject(index, hex, e);
		else
			cJSON_AddItemToObject(index, hex, e);
		if (!cfg->quiet && !cfg->json)
			printf("%s  %s (%s)\n", hex, json_str(pkg_manifest(pkg), "name"), arg);
	}
	pkg_close(pkg);
	free(data);
	return ret;
}

/* The packages of an index already in DIR whose files are still there, keyed by hex. */
static cJSON *index_load(const char *dir)
{
	char path[PATH_MAX + 32], file[PATH_MAX + 96];
	cJSON *by = cJSON_CreateObject(), *old, *e;
	size_t len;
	void *text;

	snprintf(path, sizeof(path), "%s/v1/index.json", dir);
	if (fs_read_file(path, (size_t)64 << 20, &text, &len))
		return by;
	old = cJSON_Parse(text);
	free(text);
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(old, "packages")) {
		const char *d = json_str(e, "digest");

		if (strncmp(d, "sha256:", 7) || !eucc_is_sha256_hex(d + 7))
			continue;
		snprintf(file, sizeof(file), "%s/v1/artifacts/%s", dir, d + 7);
		if (!access(file, R_OK) && !cJSON_GetObjectItem(by, d + 7))
			cJSON_AddItemToObject(by, d + 7, cJSON_Duplicate(e, true));
	}
	cJSON_Delete(old);
	return by;
}

static int by_digest(const void *a, const void *b)
{
	return strcmp(json_str(*(cJSON *const *)a, "digest"),
		      json_str(*(cJSON *const *)b, "digest"));
}

/* {"format": 1, "packages": [...]} sorted by digest, written atomically. */
static int index_write(const char *dir, cJSON *by, cJSON **out, struct eucc_error *err)
{
	int n = cJSON_GetArraySize(by), ret;
	cJSON **items = calloc((size_t)n + 1, sizeof(*items)), *doc, *arr, *e;
	char path[PATH_MAX + 32], *text;
	int i = 0;

	if (!items)
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	cJSON_ArrayForEach(e, by)
		items[i++] = e;
	qsort(items, (size_t)n, sizeof(*items), by_digest);
	doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(doc, "format", INDEX_FORMAT);
	arr = cJSON_AddArrayToObject(doc, "packages");
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, cJSON_Duplicate(items[i], true));
	free(items);
	text = cJSON_Print(doc);
	snprintf(path, sizeof(path), "%s/v1/index.json", dir);
	ret = text ? fs_write_atomic(path, text, strlen(text)) : -ENOMEM;
	free(text);
	if (ret) {
		cJSON_Delete(doc);
		return eucc_error_set(err, ret, EUCC_E_IO, "cannot write %s: %s", path,
				      strerror(-ret));
	}
	*out = doc;
	return 0;
}

static int do_mirror(const struct cli_call *call)
{
	struct remote_config *cfg = remote_config(call);
	char artifacts[PATH_MAX + 16];
	struct mirror_args a = {0};
	struct eucc_error err = {0};
	cJSON *by, *doc = NULL;
	int ret;

	if (cli_apply(call, &a, &err))
		return remote_fail(&err);
	if (!a.dir)
		return cli_usage_error(call, "mirror needs -o DIR, the mirror's root");
	snprintf(artifacts, sizeof(artifacts), "%s/v1/artifacts", a.dir);
	ret = fs_mkdir_p(artifacts, 0755);
	if (ret) {
		eucc_error_set(&err, ret, EUCC_E_IO, "cannot make %s: %s", artifacts,
			       strerror(-ret));
		return remote_fail(&err);
	}
	by = index_load(a.dir);
	for (int i = 0; !ret && i < call->nargs; i++)
		ret = mirror_one(cfg, a.dir, call->args[i], by, &err);
	if (!ret)
		ret = index_write(a.dir, by, &doc, &err);
	cJSON_Delete(by);
	if (ret)
		return remote_fail(&err);
	if (cfg->json)
		json_write(stdout, doc);
	else if (!cfg->quiet)
		printf("wrote %s/v1/index.json (%d packages)\n", a.dir,
		       cJSON_GetArraySize(cJSON_GetObjectItem(doc, "packages")));
	cJSON_Delete(doc);
	return EUCC_EXIT_OK;
}

static const struct cli_opt mirror_opts[] = {
    {.name = "output",
     .letter = 'o',
     .arg = "DIR",
     .kind = CLI_STR,
     .off = offsetof(struct mirror_args, dir),
     .help = "the mirror's root: DIR/v1/artifacts/<hex> and DIR/v1/index.json (packages "
	     "already there are kept)"},
    {0},
};

const struct cli_cmd remote_cmd_mirror = {
    .name = "mirror",
    .run = do_mirror,
    .args = "(DIGEST|PKG|oci://...)...",
    .summary = "write packages and an index for a mirror any static file server serves",
    .help = "Put each package (a .eucc file, a digest pulled from the server, a URL, or an "
	    "oci:// reference pulled from a registry; each verified) into DIR/v1/artifacts/<hex> "
	    "and list them in DIR/v1/index.json (docs/registry.md has its schema). Served by "
	    "any static file server (nginx with root DIR) or by `eucc-server serve --mirror "
	    "DIR`, the mirror answers the server's own artifact URLs: hosts pull from it with "
	    "`eucc-remote pull DIGEST --server URL` (or `run DIGEST --server URL`), or take a "
	    "copy of DIR with `pull --from DIR`.",
    .json = "the index written",
    .opts = mirror_opts,
    .min_args = 1,
    .max_args = -1,
};
