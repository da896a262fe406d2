/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the manifest says of its members beside "files": `object` and every kernel's `btf`
 * name a member with a sha256 and a size, and those must be the member's own. The reader has
 * already hashed every member against "files", so a member's listed digest is its actual one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common.h"
#include "pkg_internal.h"

/* @ref ({"path","sha256","size"}, at @where in the manifest) against the member it names. */
static int check_ref(const struct pkg *p, const cJSON *ref, const char *where,
		     struct eucc_error *err)
{
	const cJSON *path = cJSON_GetObjectItemCaseSensitive(ref, "path");
	const cJSON *sha = cJSON_GetObjectItemCaseSensitive(ref, "sha256");
	const cJSON *size = cJSON_GetObjectItemCaseSensitive(ref, "size");
	const char *actual;
	size_t actual_size;

	if (!ref)
		return 0;
	if (!cJSON_IsString(path) || !cJSON_IsString(sha) || !cJSON_IsNumber(size))
		return eucc_error_set(err, -EBADMSG, EUCC_E_BAD_PACKAGE,
				      "bad package: manifest.json: %s needs \"path\", \"sha256\" "
				      "and \"size\"",
				      where);
	if (pkg_member_digest(p, path->valuestring, &actual, &actual_size)) {
		eucc_error_set(err, -EBADMSG, EUCC_E_BAD_PACKAGE,
			       "bad package: manifest.json: %s names %s, which is not a member",
			       where, path->valuestring);
		goto hint;
	}
	if (strcmp(sha->valuestring, actual)) {
		eucc_error_set(err, -EBADMSG, EUCC_E_BAD_PACKAGE,
			       "member %s: the manifest's %s says sha256 %s, the member's is %s: "
			       "the package is damaged or was altered",
			       path->valuestring, where, sha->valuestring, actual);
		goto hint;
	}
	if (size->valuedouble != (double)actual_size) {
		eucc_error_set(err, -EBADMSG, EUCC_E_BAD_PACKAGE,
			       "member %s: the manifest's %s says size %.0f, the member has %zu "
			       "bytes: the package is damaged or was altered",
			       path->valuestring, where, size->valuedouble, actual_size);
		goto hint;
	}
	return 0;
hint:
	eucc_error_hint(err, "fetch the package again (eucc-remote pull DIGEST) and compare its "
			     "sha256 with the digest the server gave");
	return -EBADMSG;
}

int pkg_check_refs(const struct pkg *p, struct eucc_error *err)
{
	const cJSON *m = pkg_manifest(p), *k;
	char where[128];
	int i = 0, ret;

	ret = check_ref(p, cJSON_GetObjectItemCaseSensitive(m, "object"), "object", err);
	cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(m, "kernels")) {
		if (ret)
			break;
		snprintf(where, sizeof(where), "kernels[%d].btf", i++);
		ret = check_ref(p, cJSON_GetObjectItemCaseSensitive(k, "btf"), where, err);
	}
	return ret;
}
