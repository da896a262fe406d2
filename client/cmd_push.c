/* SPDX-License-Identifier: Apache-2.0 */
/* eucc-remote push PKG REGISTRY/REPO:TAG: the package as an OCI artifact. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "oci.h"
#include "remote.h"

/* The package bytes of @arg: a file, or a digest (or URL) pulled into the package cache. */
static int read_package(const struct remote_config *cfg, const char *arg, void **data, size_t *len,
			struct eucc_error *err)
{
	char path[PATH_MAX];
	struct pkg *pkg;
	int ret;

	snprintf(path, sizeof(path), "%s", arg);
	if (access(arg, F_OK) && pull_is_ref(arg) &&
	    (ret = pull_cached(cfg, arg, path, sizeof(path), err)))
		return ret;
	ret = fs_read_file(path, PKG_MAX_SIZE, data, len);
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_IO, "cannot read %s: %s", path,
				      strerror(-ret));
	ret = pkg_open(*data, *len, &pkg, err); /* never push what a pull would refuse */
	if (ret) {
		free(*data);
		return ret;
	}
	pkg_close(pkg);
	return 0;
}

static int do_push(const struct cli_call *call)
{
	struct remote_config *cfg = remote_config(call);
	char tag[160], digest[OCI_DIGEST_MAX], hex[EUCC_SHA256_HEX], where[1200];
	struct eucc_error err = {0};
	struct oci_client *c = NULL;
	struct oci_ref ref;
	void *data = NULL;
	size_t len;
	int ret;

	if (oci_ref_parse(call->args[1], true, &ref, &err))
		return remote_fail(&err);
	if (ref.digest[0])
		return cli_usage_error(call, "push stores under a tag (REGISTRY/REPO:TAG), not "
					     "under a digest: the registry computes that");
	ret = read_package(cfg, call->args[0], &data, &len, &err);
	if (!ret)
		ret = remote_oci_client(cfg, call->args[1], true, &c, tag, sizeof(tag), &err);
	if (!ret)
		ret = oci_package_push(c, tag, data, len, digest, &err);
	oci_client_free(c);
	if (!ret) {
		eucc_sha256_hex(data, len, hex);
		snprintf(ref.digest, sizeof(ref.digest), "%s", digest);
		oci_ref_format(&ref, where, sizeof(where));
		if (cfg->json) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "reference", where);
			cJSON_AddStringToObject(o, "manifest", digest);
			cJSON_AddStringToObject(o, "tag", tag);
			cJSON_AddStringToObject(o, "package", hex);
			cJSON_AddNumberToObject(o, "size", (double)len);
			json_write(stdout, o);
			cJSON_Delete(o);
		} else if (!cfg->quiet) {
			printf("pushed %s as %s:%s\npull it with: eucc-remote pull %s\n",
			       call->args[0], ref.repo, tag, where);
		}
	}
	free(data);
	return ret ? remote_fail(&err) : EUCC_EXIT_OK;
}

const struct cli_cmd remote_cmd_push = {
    .name = "push",
    .run = do_push,
    .args = "PKG REGISTRY/REPO:TAG",
    .summary = "store a package in an OCI registry",
    .help = "Store the package PKG (a .eucc file, or a digest pulled from the server first) in "
	    "an OCI registry as an artifact of type application/vnd.eucc.package.v1: the empty "
	    "config, one layer holding the package's bytes, annotations with its name, arch, "
	    "kernels and statuses (docs/registry.md). Blobs the registry has are not sent "
	    "again. REGISTRY is HOST[:PORT], with https; oci+http://HOST[:PORT]/REPO:TAG for a "
	    "registry without TLS. It prints the reference pinned to the manifest's digest, "
	    "which `pull` takes. Credentials: --registry-user or EUCC_REGISTRY_USER (Basic, or "
	    "for the registry's token service).",
    .json = "the reference, the manifest digest, the tag, the package digest and size",
    .min_args = 2,
    .max_args = 2,
};
