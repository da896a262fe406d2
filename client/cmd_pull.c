/* SPDX-License-Identifier: Apache-2.0 */
/* eucc-remote pull DIGEST [-o OUT] [--from FILE|DIR]: download (or copy), resume, verify. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "oci.h"
#include "remote.h"

/* The bytes must hash to @hex and pass the package checks; @name gets the package's name. */
static int verify_bytes(const void *data, size_t len, const char *what, const char *hex, char *name,
			size_t size, struct eucc_error *err)
{
	char got[EUCC_SHA256_HEX];
	struct pkg *pkg;
	int ret;

	eucc_sha256_hex(data, len, got);
	if (strcmp(got, hex)) {
		eucc_error_set(err, -EBADMSG, EUCC_E_BAD_PACKAGE,
			       "%s does not match the digest: got sha256:%.12s..., wanted "
			       "sha256:%.12s...",
			       what, got, hex);
		eucc_error_hint(err, "the file was altered or its source is wrong; pull again");
		return -EBADMSG;
	}
	ret = pkg_open(data, len, &pkg, err);
	if (ret)
		return ret;
	snprintf(name, size, "%s",
		 cJSON_GetStringValue(cJSON_GetObjectItem(pkg_manifest(pkg), "name")) ?: "package");
	pkg_close(pkg);
	return 0;
}

/* Verify the whole download: digest first, then the package's own member digests. */
int pull_verify_file(const char *part, const char *hex, char *name, size_t size,
		     struct eucc_error *err)
{
	void *data;
	size_t len;
	int ret;

	ret = fs_read_file(part, PKG_MAX_SIZE, &data, &len);
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_IO, "cannot read %s: %s", part,
				      strerror(-ret));
	ret = verify_bytes(data, len, "the download", hex, name, size, err);
	free(data);
	if (ret == -EBADMSG)
		eucc_error_hint(err, "the file was altered or the server is wrong; it was deleted, "
				     "pull again");
	return ret;
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

	return ref_digest(ref, hex, &url) || url || oci_is_ref(ref);
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

/* The artifact @hex in the dir @dir: a mirror's layouts first (DIR/<hex>, DIR/sha256/<hex>,
 * DIR/v1/artifacts/<hex>, a copy of the server's artifact URLs), then DIR/<hex>.eucc, then
 * any .eucc file in DIR that hashes to it. */
static int find_in_dir(const char *dir, const char *hex, char *out, size_t size)
{
	static const char *const layouts[] = {"%s/%s", "%s/sha256/%s", "%s/v1/artifacts/%s",
					      "%s/%s.eucc"};
	struct dirent *de;
	DIR *d;

	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		snprintf(out, size, layouts[i], dir, hex);
		if (!access(out, F_OK))
			return 0;
	}
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!str_has_suffix(de->d_name, ".eucc"))
			continue;
		snprintf(out, size, "%s/%s", dir, de->d_name);
		if (cached_ok(out, hex)) { /* read and hashed: a file's name is no proof */
			closedir(d);
			return 0;
		}
	}
	closedir(d);
	return -ENOENT;
}

/* pull --from FILE|DIR: no network; the file is verified as a download is, then written. */
static int pull_from(const char *from, const char *hex, const char *out, char *final, size_t fsize,
		     struct eucc_error *err)
{
	char path[PATH_MAX], name[128];
	void *data;
	size_t len;
	int ret = 0;

	snprintf(path, sizeof(path), "%s", from);
	if (fs_is_dir(from))
		ret = find_in_dir(from, hex, path, sizeof(path));
	if (ret) {
		eucc_error_set(err, ret, EUCC_E_NOT_FOUND, "%s holds no artifact sha256:%.12s...",
			       from, hex);
		eucc_error_hint(err,
				"a mirror dir holds <hex>, sha256/<hex>, v1/artifacts/<hex> or "
				"*.eucc files; `eucc-remote inspect` shows a package's digest");
		return ret;
	}
	ret = fs_read_file(path, PKG_MAX_SIZE, &data, &len);
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_IO, "cannot read %s: %s", path,
				      strerror(-ret));
	ret = verify_bytes(data, len, path, hex, name, sizeof(name), err);
	if (!ret) {
		if (out)
			snprintf(final, fsize, "%s", out);
		else
			snprintf(final, fsize, "%s.eucc", name);
		ret = fs_write_atomic(final, data, len);
		if (ret)
			eucc_error_set(err, ret, EUCC_E_IO, "cannot write %s: %s", final,
				       strerror(-ret));
	}
	free(data);
	return ret;
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

/* The digest @ref names (a registry reference: its manifest's layer, in @op). */
static int cached_ref(const struct remote_config *cfg, const char *ref, char *hex, bool *url,
		      struct oci_pull *op, struct eucc_error *err)
{
	int ret;

	if (oci_is_ref(ref)) {
		ret = pull_oci_resolve(cfg, ref, op, err);
		if (!ret)
			snprintf(hex, EUCC_SHA256_HEX, "%s", op->hex);
		return ret;
	}
	if (ref_digest(ref, hex, url))
		return 0;
	eucc_error_set(err, -EINVAL, EUCC_E_USAGE,
		       "'%s' names no package: not a file, a digest or a URL ending in one", ref);
	eucc_error_hint(err, "give a .eucc file, sha256:<64 hex digits>, "
			     "http(s)://HOST/v1/artifacts/<64 hex digits> or "
			     "oci://REGISTRY/REPO@sha256:<64 hex digits>");
	return -EINVAL;
}

int pull_cached(const struct remote_config *cfg, const char *ref, char *out, size_t size,
		struct eucc_error *err)
{
	char hex[EUCC_SHA256_HEX], dir[PATH_MAX], part[PATH_MAX + 8], name[128];
	struct oci_pull op = {0};
	bool url = false;
	int ret;

	ret = cached_ref(cfg, ref, hex, &url, &op, err);
	if (ret)
		return ret;
	ret = eucc_default_data_dir(dir, sizeof(dir));
	if (ret) {
		ret = eucc_error_set(err, ret, EUCC_E_DATA_DIR, "no data dir: set EUCC_DATA");
		goto out;
	}
	snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/packages/sha256");
	if (snprintf(out, size, "%s/%s.eucc", dir, hex) >= (int)size) {
		ret = eucc_error_set(err, -ENAMETOOLONG, EUCC_E_DATA_DIR, "data dir path too long");
		goto out;
	}
	if (cached_ok(out, hex)) {
		eucc_info("using the cached package %s", out);
		goto out;
	}
	ret = fs_mkdir_p(dir, 0755);
	if (ret) {
		ret = eucc_error_set(err, ret, EUCC_E_DATA_DIR, "cannot make %s: %s", dir,
				     strerror(-ret));
		goto out;
	}
	snprintf(part, sizeof(part), "%s.part", out);
	if (op.client) {
		ret = pull_oci_fetch(&op, part, name, sizeof(name), err);
	} else {
		ret = fetch_ref(cfg, ref, url, hex, part, err);
		if (ret)
			goto out; /* the partial file stays, for a resume */
		ret = pull_verify_file(part, hex, name, sizeof(name), err);
	}
	if (!ret && rename(part, out))
		ret = eucc_error_set(err, -errno, EUCC_E_IO, "cannot write %s: %s", out,
				     strerror(errno));
	if (ret && !op.client)
		unlink(part);
out:
	pull_oci_done(&op);
	return ret;
}

struct pull_args {
	const char *out;
	const char *from;
};

/* With keys pinned, the package written must be signed by one of them; else it is removed. */
static int pull_trust(const struct remote_config *cfg, const char *final, struct eucc_error *err)
{
	struct pkg *pkg;
	int ret = trust_open_file(cfg, final, &pkg, NULL, err);

	if (ret)
		unlink(final);
	pkg_close(pkg);
	return ret;
}

/* pull oci://...: resolve, download to OUT.part (or .eucc-<digest>.part), verify, rename. */
static int pull_from_registry(const struct remote_config *cfg, const char *ref, const char *out,
			      const char *from)
{
	char part[PATH_MAX + 8], name[128], final[PATH_MAX];
	struct eucc_error err = {0};
	struct oci_pull op;
	int ret;

	if (from) {
		eucc_error_set(&err, -EINVAL, EUCC_E_USAGE,
			       "--from takes the package from a file or dir, not from a registry");
		eucc_error_hint(&err, "give a digest with --from, or the oci:// reference alone");
		return remote_fail(&err);
	}
	if (pull_oci_resolve(cfg, ref, &op, &err))
		return remote_fail(&err);
	if (out)
		snprintf(part, sizeof(part), "%s.part", out);
	else
		snprintf(part, sizeof(part), ".eucc-%.16s.part", op.hex);
	ret = pull_oci_fetch(&op, part, name, sizeof(name), &err);
	if (!ret) {
		if (out)
			snprintf(final, sizeof(final), "%s", out);
		else
			snprintf(final, sizeof(final), "%s.eucc", name);
		if (rename(part, final))
			ret = eucc_error_set(&err, -errno, EUCC_E_IO, "cannot write %s: %s", final,
					     strerror(errno));
		else /* with keys pinned, only a package one of them signed stays */
			ret = pull_trust(cfg, final, &err);
	}
	if (!ret && !cfg->quiet)
		printf("wrote %s (sha256:%s) from %s (manifest %s)\n", final, op.hex, ref,
		       op.manifest_digest);
	pull_oci_done(&op);
	return ret ? remote_fail(&err) : EUCC_EXIT_OK;
}

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
	if (oci_is_ref(digest))
		return pull_from_registry(cfg, digest, out, a.from);
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
	if (a.from) {
		if (pull_from(a.from, digest, out, final, sizeof(final), &err) ||
		    pull_trust(cfg, final, &err))
			return remote_fail(&err);
		if (!cfg->quiet)
			printf("wrote %s (sha256:%s)\n", final, digest);
		return EUCC_EXIT_OK;
	}
	snprintf(path, sizeof(path), "/v1/artifacts/%s", digest);
	ret = http_download(cfg, path, part, isatty(STDERR_FILENO) && !cfg->quiet, &err);
	if (ret)
		return remote_fail(&err); /* the partial file stays, for a resume */
	ret = pull_verify_file(part, digest, name, sizeof(name), &err);
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
	if (pull_trust(cfg, final, &err))
		return remote_fail(&err);
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
    {.name = "from",
     .arg = "FILE|DIR",
     .kind = CLI_STR,
     .off = offsetof(struct pull_args, from),
     .help = "take the artifact from a file or a mirror dir (DIR/<hex>, DIR/sha256/<hex>, "
	     "DIR/v1/artifacts/<hex>, DIR/*.eucc) instead of the server: no network",
     .def = "the server"},
    {0},
};

const struct cli_cmd remote_cmd_pull = {
    .name = "pull",
    .run = do_pull,
    .args = "DIGEST|oci://...",
    .summary = "download a package by its digest (from the server, a mirror or a registry) and "
	       "verify it",
    .help = "Download the artifact DIGEST (sha256:<hex> or <hex>) from the server to OUT.part "
	    "(or .eucc-<digest>.part), resuming a partial file with an HTTP range, with a "
	    "progress bar on a terminal. The whole file must hash to DIGEST and pass the "
	    "package checks; one that does not is deleted and refused. Then it is renamed to "
	    "OUT. With --from, the artifact comes from a file or a mirror dir, verified the "
	    "same way, with no network.\nFrom an OCI registry (docs/registry.md): "
	    "oci://REGISTRY/REPO@sha256:<manifest digest> (or :TAG; oci+http:// for a registry "
	    "without TLS): the manifest must hash to the pinned digest and be an eucc package "
	    "artifact, its layer is downloaded (resumed the same way) and must hash to the "
	    "layer's digest, then pass the package checks. Credentials: --registry-user or "
	    "EUCC_REGISTRY_USER.",
    .opts = pull_opts,
    .min_args = 1,
    .max_args = 1,
};
