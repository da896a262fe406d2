/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An OCI image layout directory (the image-spec's image-layout.md): oci-layout, index.json and
 * content-addressed blobs in blobs/sha256/<hex>. Every JSON document is printed compactly from
 * cJSON, in the order built, so the same inputs give the same digests.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "remote.h"

static bool dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	bool empty = true;

	if (!d)
		return false;
	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(d);
	return empty;
}

int oci_layout_open(struct oci_layout *l, const char *dir, struct eucc_error *err)
{
	char blobs[PATH_MAX];
	int ret;

	memset(l, 0, sizeof(*l));
	if (snprintf(l->dir, sizeof(l->dir), "%s", dir) >= (int)sizeof(l->dir))
		return eucc_error_set(err, -ENAMETOOLONG, EUCC_E_USAGE, "-o: the path is too long");
	if (!access(dir, F_OK) && !(fs_is_dir(dir) && dir_is_empty(dir))) {
		eucc_error_set(err, -EEXIST, EUCC_E_USAGE,
			       "%s exists: an image layout is written to a new or empty dir", dir);
		eucc_error_hint(err, "remove it or pick another -o DIR");
		return -EEXIST;
	}
	snprintf(blobs, sizeof(blobs), "%s/blobs/sha256", dir);
	ret = fs_mkdir_p(blobs, 0755);
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_IO, "cannot make %s: %s", blobs,
				      strerror(-ret));
	return 0;
}

cJSON *oci_descriptor(const char *media_type, const char *hex, size_t size)
{
	cJSON *d = cJSON_CreateObject();
	char digest[80];

	snprintf(digest, sizeof(digest), "sha256:%s", hex);
	cJSON_AddStringToObject(d, "mediaType", media_type);
	cJSON_AddStringToObject(d, "digest", digest);
	cJSON_AddNumberToObject(d, "size", (double)size);
	return d;
}

int oci_layout_blob(struct oci_layout *l, const char *media_type, const void *data, size_t len,
		    cJSON **desc, struct eucc_error *err)
{
	char hex[EUCC_SHA256_HEX], path[PATH_MAX + 80];
	int ret;

	eucc_sha256_hex(data, len, hex);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", l->dir, hex);
	ret = fs_write_atomic(path, data, len);
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_IO, "cannot write %s: %s", path,
				      strerror(-ret));
	*desc = oci_descriptor(media_type, hex, len);
	return *desc ? 0 : eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
}

int oci_layout_json(struct oci_layout *l, const char *media_type, const cJSON *doc, cJSON **desc,
		    struct eucc_error *err)
{
	char *text = cJSON_PrintUnformatted(doc);
	int ret;

	if (!text)
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	ret = oci_layout_blob(l, media_type, text, strlen(text), desc, err);
	free(text);
	return ret;
}

int oci_layout_finish(struct oci_layout *l, cJSON *manifests, struct eucc_error *err)
{
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	cJSON *index = cJSON_CreateObject();
	char path[PATH_MAX + 32], *text;
	int ret;

	cJSON_AddNumberToObject(index, "schemaVersion", 2);
	cJSON_AddStringToObject(index, "mediaType", OCI_INDEX);
	cJSON_AddItemToObject(index, "manifests", manifests);
	text = cJSON_PrintUnformatted(index);
	cJSON_Delete(index);
	if (!text)
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	snprintf(path, sizeof(path), "%s/index.json", l->dir);
	ret = fs_write_atomic(path, text, strlen(text));
	free(text);
	if (!ret) {
		snprintf(path, sizeof(path), "%s/oci-layout", l->dir);
		ret = fs_write_atomic(path, layout, sizeof(layout) - 1);
	}
	return ret ? eucc_error_set(err, ret, EUCC_E_IO, "cannot write %s: %s", path,
				    strerror(-ret))
		   : 0;
}

int oci_layout_tag(struct oci_layout *l, cJSON *entries, bool index, const char *tag,
		   const char *title, struct eucc_error *err)
{
	cJSON *top = cJSON_CreateArray(), *d = NULL, *a;
	int ret = 0;

	if (index || cJSON_GetArraySize(entries) != 1) {
		cJSON *doc = cJSON_CreateObject();

		cJSON_AddNumberToObject(doc, "schemaVersion", 2);
		cJSON_AddStringToObject(doc, "mediaType", OCI_INDEX);
		cJSON_AddItemToObject(doc, "manifests", entries);
		a = cJSON_AddObjectToObject(doc, "annotations");
		cJSON_AddStringToObject(a, "org.opencontainers.image.title", title);
		ret = oci_layout_json(l, OCI_INDEX, doc, &d, err);
		cJSON_Delete(doc);
	} else {
		d = cJSON_DetachItemFromArray(entries, 0);
		cJSON_Delete(entries);
	}
	if (ret) {
		cJSON_Delete(top);
		return ret;
	}
	a = cJSON_AddObjectToObject(d, "annotations");
	cJSON_AddStringToObject(a, "org.opencontainers.image.ref.name", tag);
	cJSON_AddItemToArray(top, d);
	return oci_layout_finish(l, top, err);
}

int oci_layout_write(struct pkg *const *pkgs, size_t n, const char *out, const char *tag,
		     oci_manifest_fn manifest, bool index, struct eucc_error *err)
{
	cJSON *list = cJSON_CreateArray(), *d = NULL;
	struct oci_layout l;
	int ret = oci_layout_open(&l, out, err);

	for (size_t i = 0; !ret && i < n; i++) {
		ret = manifest(&l, pkgs[i], &d, err);
		if (!ret)
			cJSON_AddItemToArray(list, d);
	}
	if (ret) {
		cJSON_Delete(list);
		return ret;
	}
	return oci_layout_tag(&l, list, index, tag, json_str(pkg_manifest(pkgs[0]), "name"), err);
}

const char *oci_arch(const char *arch)
{
	return !strcmp(arch, "x86_64") ? "amd64" : arch; /* arm64 is arm64 in both */
}

const char *uname_machine(const char *arch)
{
	return !strcmp(arch, "arm64") ? "aarch64" : arch;
}
