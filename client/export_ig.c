/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An Inspektor Gadget image as an OCI image layout (docs/formats.md, "Inspektor Gadget"): one
 * manifest per arch (artifactType application/vnd.gadget.v1+binary, the empty config, a layer
 * with the object and one with the btfgen tar) under an image index, tagged in index.json.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "remote.h"

#define IG_ARTIFACT "application/vnd.gadget.v1+binary"
#define IG_EBPF	    "application/vnd.gadget.ebpf.program.v1+binary"
#define IG_BTFGEN   "application/vnd.gadget.btfgen.v1+binary"

static cJSON *title(const char *name)
{
	cJSON *a = cJSON_CreateObject();

	cJSON_AddStringToObject(a, "org.opencontainers.image.title", name);
	return a;
}

/* One arch: its layers, its manifest, the index's entry for it. */
static int ig_manifest(struct oci_layout *l, struct pkg *pkg, cJSON **entry, struct eucc_error *err)
{
	const cJSON *m = pkg_manifest(pkg);
	const char *arch = json_str(m, "arch");
	cJSON *man = cJSON_CreateObject(), *layers, *d = NULL, *platform;
	const void *obj;
	void *btfs = NULL;
	size_t obj_size, btfs_len = 0;
	int ret;

	if (pkg_member(pkg, json_str(cJSON_GetObjectItem(m, "object"), "path"), &obj, &obj_size))
		return eucc_error_set(err, -EINVAL, EUCC_E_BAD_PACKAGE,
				      "the package's manifest names no object");
	cJSON_AddNumberToObject(man, "schemaVersion", 2);
	cJSON_AddStringToObject(man, "mediaType", OCI_MANIFEST);
	cJSON_AddStringToObject(man, "artifactType", IG_ARTIFACT);
	ret = oci_layout_blob(l, OCI_EMPTY, "{}", 2, &d, err);
	if (!ret) {
		cJSON_AddItemToObject(man, "config", d);
		layers = cJSON_AddArrayToObject(man, "layers");
		ret = oci_layout_blob(l, IG_EBPF, obj, obj_size, &d, err);
		if (!ret)
			cJSON_AddItemToArray(layers, d);
	}
	if (!ret)
		ret = export_btf_archive(&pkg, 1, "", 0, &btfs, &btfs_len, NULL, err);
	if (!ret)
		ret = oci_layout_blob(l, IG_BTFGEN, btfs, btfs_len, &d, err);
	free(btfs);
	if (!ret) {
		cJSON_AddItemToArray(layers, d);
		cJSON_AddItemToObject(man, "annotations", title(json_str(m, "name")));
		ret = oci_layout_json(l, OCI_MANIFEST, man, entry, err);
	}
	cJSON_Delete(man);
	if (ret)
		return ret;
	platform = cJSON_AddObjectToObject(*entry, "platform");
	cJSON_AddStringToObject(platform, "architecture", oci_arch(arch));
	cJSON_AddStringToObject(platform, "os", "linux");
	return 0;
}

int export_ig(struct pkg *const *pkgs, size_t n, const char *out, const char *tag,
	      struct eucc_error *err)
{
	/* Inspektor Gadget always has an index, one manifest per arch */
	return oci_layout_write(pkgs, n, out, tag, ig_manifest, true, err);
}
