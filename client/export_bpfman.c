/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bpfman bytecode image as an OCI image layout (docs/formats.md, "bpfman"): an image
 * manifest per arch whose one tar+gzip layer holds the object, and whose image config carries
 * the labels io.ebpf.programs and io.ebpf.maps, JSON objects of name to type.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "remote.h"

#define OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define OCI_LAYER  "application/vnd.oci.image.layer.v1.tar+gzip"

/* bpfman's spelling of a program's type: the libbpf name, but the section tells a kretprobe,
 * an fexit or a uretprobe from its entry twin, and "classifier" is "tc". */
static const char *bpfman_prog_type(const cJSON *p)
{
	static const struct {
		const char *prefix, *type;
	} by_section[] = {
	    {"kretprobe", "kretprobe"},
	    {"uretprobe", "uretprobe"},
	    {"fexit", "fexit"},
	    {"fentry", "fentry"},
	    {"tcx", "tcx"},
	    {"tc", "tc"},
	    {"classifier", "tc"},
	};
	const char *section = json_str(p, "section");

	for (size_t i = 0; i < sizeof(by_section) / sizeof(by_section[0]); i++)
		if (!strncmp(section, by_section[i].prefix, strlen(by_section[i].prefix)))
			return by_section[i].type;
	return json_str(p, "type");
}

/* {"name": "type", ...} of @key's entries, as text. */
static char *label(const cJSON *m, const char *key, bool programs)
{
	cJSON *o = cJSON_CreateObject();
	const cJSON *it;
	char *text;

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(m, key)) {
		const char *name = json_str(it, "name");

		/* the object's own .rodata/.bss maps are not the program's maps */
		if (!programs && (!*name || strchr(name, '.')))
			continue;
		cJSON_AddStringToObject(o, name,
					programs ? bpfman_prog_type(it) : json_str(it, "type"));
	}
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

static int bpfman_manifest(struct oci_layout *l, struct pkg *pkg, cJSON **entry,
			   struct eucc_error *err)
{
	const cJSON *m = pkg_manifest(pkg);
	const char *path = json_str(cJSON_GetObjectItem(m, "object"), "path");
	char *progs = label(m, "programs", true), *maps = label(m, "maps", false);
	char diff[EUCC_SHA256_HEX + 8];
	cJSON *cfg = cJSON_CreateObject(), *man = cJSON_CreateObject(), *c, *labels, *rootfs;
	cJSON *d = NULL, *layers;
	struct eucc_tar_file f;
	void *tar = NULL, *tgz = NULL;
	size_t tar_len = 0, tgz_len = 0;
	int ret = pkg_member(pkg, path, &f.data, &f.size);

	f.path = path;
	if (ret)
		ret = eucc_error_set(err, -EINVAL, EUCC_E_BAD_PACKAGE,
				     "the package's manifest names no object");
	/* the layer's digest is of the gzip stream, the config's diff_id of the tar inside */
	if (!ret)
		ret = eucc_tar_build(&f, 1, false, &tar, &tar_len);
	if (!ret)
		ret = eucc_tar_build(&f, 1, true, &tgz, &tgz_len);
	if (ret && !err->message[0])
		eucc_error_set(err, ret, EUCC_E_INTERNAL, "cannot build the layer: %s",
			       strerror(-ret));
	if (!ret) {
		memcpy(diff, "sha256:", 7);
		eucc_sha256_hex(tar, tar_len, diff + 7);
		cJSON_AddStringToObject(cfg, "architecture", oci_arch(json_str(m, "arch")));
		cJSON_AddStringToObject(cfg, "os", "linux");
		c = cJSON_AddObjectToObject(cfg, "config");
		labels = cJSON_AddObjectToObject(c, "Labels");
		cJSON_AddStringToObject(labels, "io.ebpf.maps", maps ? maps : "{}");
		cJSON_AddStringToObject(labels, "io.ebpf.programs", progs ? progs : "{}");
		rootfs = cJSON_AddObjectToObject(cfg, "rootfs");
		cJSON_AddStringToObject(rootfs, "type", "layers");
		cJSON_AddItemToArray(cJSON_AddArrayToObject(rootfs, "diff_ids"),
				     cJSON_CreateString(diff));
		cJSON_AddNumberToObject(man, "schemaVersion", 2);
		cJSON_AddStringToObject(man, "mediaType", OCI_MANIFEST);
		ret = oci_layout_json(l, OCI_CONFIG, cfg, &d, err);
	}
	if (!ret) {
		cJSON_AddItemToObject(man, "config", d);
		ret = oci_layout_blob(l, OCI_LAYER, tgz, tgz_len, &d, err);
	}
	if (!ret) {
		layers = cJSON_AddArrayToObject(man, "layers");
		cJSON_AddItemToArray(layers, d);
		ret = oci_layout_json(l, OCI_MANIFEST, man, entry, err);
	}
	if (!ret) {
		cJSON *platform = cJSON_AddObjectToObject(*entry, "platform");

		cJSON_AddStringToObject(platform, "architecture", oci_arch(json_str(m, "arch")));
		cJSON_AddStringToObject(platform, "os", "linux");
	}
	cJSON_Delete(cfg);
	cJSON_Delete(man);
	free(progs);
	free(maps);
	free(tar);
	free(tgz);
	return ret;
}

int export_bpfman(struct pkg *const *pkgs, size_t n, const char *out, const char *tag,
		  struct eucc_error *err)
{
	/* one arch: the image manifest itself; more: an image index of them */
	return oci_layout_write(pkgs, n, out, tag, bpfman_manifest, false, err);
}
