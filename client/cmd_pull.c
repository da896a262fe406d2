/* SPDX-License-Identifier: Apache-2.0 */
/* eucc-remote pull DIGEST [-o OUT]: download, resume, verify. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "remote.h"

/* Verify the whole download: digest first, then the package's own member digests. */
static int verify_download(const char *part, const char *hex, char *name, size_t size,
			   struct eucc_error *err)
{
	char got[EUCC_SHA256_HEX];
	struct pkg *pkg;
	void *data;
	size_t len;
	int ret;

	ret = fs_read_file(part, PKG_MAX_SIZE, &data, &len);
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_IO, "cannot read %s: %s", part,
				      strerror(-ret));
	eucc_sha256_hex(data, len, got);
	if (strcmp(got, hex)) {
		free(data);
		eucc_error_set(err, -EBADMSG, EUCC_E_BAD_PACKAGE,
			       "the download does not match the digest: got sha256:%.12s..., "
			       "wanted sha256:%.12s...",
			       got, hex);
		eucc_error_hint(err, "the file was altered or the server is wrong; it was deleted, "
				     "pull again");
		return -EBADMSG;
	}
	ret = pkg_open(data, len, &pkg, err);
	free(data);
	if (ret)
		return ret;
	snprintf(name, size, "%s",
		 cJSON_GetStringValue(cJSON_GetObjectItem(pkg_manifest(pkg), "name")) ?: "package");
	pkg_close(pkg);
	return 0;
}

/* The digest a reference names: "sha256:<hex>", "<hex>", or a URL ending in one of them. */
static bool ref_digest(const char *ref, char *hex, bool *url)
{
	const char *d = ref, *slash;

	*url = !strncmp(ref, "http://", 7) || !strncmp(ref, "https://", 8);
	if (*url) {
		slash = strrchr(ref, '/');
		d = slash ? slash + 1 : ref;
	}
	if (!strncmp(d, "sha256:", 7))
		d += 7;
	if (!eucc_is_sha256_hex(d))
		return false;
	snprintf(hex, EUCC_SHA256_HEX, "%s", d);
	return true;
}

bool pull_is_ref(const char *ref)
{
	char hex[EUCC_SHA256_HEX];
	bool url;

	return ref_digest(ref, hex, &url) || url;
}

/* A cached package is used only if it still hashes to its name. */
static bool cached_ok(const char *path, const char *hex)
{
	char got[EUCC_SHA256_HEX];
	void *data;
	size_t len;

	if (fs_read_file(path, PKG_MAX_SIZE, &data, &len))
		return false;
	eucc_sha256_hex(data, len, got);
	free(data);
	return !strcmp(got, hex);
}

/* Download @ref (a digest on the configured server, or a URL) to @part. A URL on another
 * server gets no token. */
static int fetch_ref(const struct remote_config *cfg, const char *ref, bool url, const char *hex,
		     const char *part, struct eucc_error *err)
{
	struct remote_config c = *cfg;
	char path[1024];

	if (url) {
		size_t n = strlen(cfg->server);

		if (strncmp(ref, cfg->server, n) || (ref[n] && ref[n] != '/'))
			c.token[0] = '\0';
		c.server[0] = '\0';
		snprintf(path, sizeof(path), "%s", ref);
	} else {
		snprintf(path, sizeof(path), "/v1/artifacts/%s", hex);
	}
	return http_download(&c, path, part, isatty(STDERR_FILENO) && !cfg->quiet, err);
}

int pull_cached(const struct remote_config *cfg, const char *ref, char *out, size_t size,
		struct eucc_error *err)
{
	char hex[EUCC_SHA256_HEX], dir[PATH_MAX], part[PATH_MAX + 8], name[128];
	bool url;
	int ret;

	if (!ref_digest(ref, hex, &url)) {
		eucc_error_set(err, -EINVAL, EUCC_E_USAGE,
			       "'%s' names no package: not a file, a digest or a URL ending in "
			       "one",
			       ref);
		eucc_error_hint(err, "give a .eucc file, sha256:<64 hex digits>, or "
				     "http(s)://HOST/v1/artifacts/<64 hex digits>");
		return -EINVAL;
	}
	ret = eucc_default_data_dir(dir, sizeof(dir));
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_DATA_DIR, "no data dir: set EUCC_DATA");
	snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/packages/sha256");
	if (snprintf(out, size, "%s/%s.eucc", dir, hex) >= (int)size)
		return eucc_error_set(err, -ENAMETOOLONG, EUCC_E_DATA_DIR,
				      "data dir path too long");
	if (cached_ok(out, hex)) {
		eucc_info("using the cached package %s", out);
		return 0;
	}
	ret = fs_mkdir_p(dir, 0755);
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_DATA_DIR, "cannot make %s: %s", dir,
				      strerror(-ret));
	snprintf(part, sizeof(part), "%s.part", out);
	ret = fetch_ref(cfg, ref, url, hex, part, err);
	if (ret)
		return ret; /* the partial file stays, for a resume */
	ret = verify_download(part, hex, name, sizeof(name), err);
	if (!ret && rename(part, out))
		ret = eucc_error_set(err, -errno, EUCC_E_IO, "cannot write %s: %s", out,
				     strerror(errno));
	if (ret)
		unlink(part);
	return ret;
}

struct pull_args {
	const char *out;
};

static int do_pull(const struct cli_call *call)
{
	struct remote_config *cfg = remote_config(call);
	char part[PATH_MAX], path[128], name[128], final[PATH_MAX];
	struct eucc_error err = {0};
	struct pull_args a = {0};
	const char *out, *digest;
	int ret;

	if (cli_apply(call, &a, &err))
		return remote_fail(&err);
	out = a.out;
	digest = call->args[0];
	if (!strncmp(digest, "sha256:", 7))
		digest += 7;
	if (!eucc_is_sha256_hex(digest))
		return cli_usage_error(call, "'%s' is not a digest (sha256:<64 hex digits>)",
				       call->args[0]);
	/* The partial file keeps its name across attempts, so that a second pull resumes. */
	if (out)
		snprintf(part, sizeof(part), "%s.part", out);
	else
		snprintf(part, sizeof(part), ".eucc-%.16s.part", digest);
	snprintf(path, sizeof(path), "/v1/artifacts/%s", digest);
	ret = http_download(cfg, path, part, isatty(STDERR_FILENO) && !cfg->quiet, &err);
	if (ret)
		return remote_fail(&err); /* the partial file stays, for a resume */
	ret = verify_download(part, digest, name, sizeof(name), &err);
	if (ret) {
		unlink(part);
		return remote_fail(&err);
	}
	snprintf(final, sizeof(final), "%s", out ? out : name);
	if (!out)
		snprintf(final, sizeof(final), "%s.eucc", name);
	if (rename(part, final)) {
		eucc_error_set(&err, -errno, EUCC_E_IO, "cannot write %s: %s", final,
			       strerror(errno));
		return remote_fail(&err);
	}
	if (!cfg->quiet)
		printf("wrote %s (sha256:%s)\n", final, digest);
	return EUCC_EXIT_OK;
}

static const struct cli_opt pull_opts[] = {
    {.name = "output",
     .letter = 'o',
     .arg = "OUT",
     .kind = CLI_STR,
     .off = offsetof(struct pull_args, out),
     .help = "the file to write; the download goes to OUT.part first",
     .def = "NAME.eucc, NAME from the package"},
    {0},
};

const struct cli_cmd remote_cmd_pull = {
    .name = "pull",
    .run = do_pull,
    .args = "DIGEST",
    .summary = "download a package by its digest and verify it",
    .help = "Download the artifact DIGEST (sha256:<hex> or <hex>) from the server to OUT.part "
	    "(or .eucc-<digest>.part), resuming a partial file with an HTTP range, with a "
	    "progress bar on a terminal. The whole file must hash to DIGEST and pass the "
	    "package checks; one that does not is deleted and refused. Then it is renamed to "
	    "OUT.",
    .opts = pull_opts,
    .min_args = 1,
    .max_args = 1,
};
