/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eunomia-bpf's package.json (what its ecc writes and ecli runs): {"bpf_object":
 * base64(zlib(ELF)), "bpf_object_size": N, "meta": {"export_types": [...], "bpf_skel": {...}}}.
 * Imported as an unsigned eucc package in memory, its programs and maps read from the object
 * itself, its first export type the record type of its first ring or perf buffer
 * (docs/formats.md, "eunomia-bpf").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "remote.h"

#define EUNOMIA_MAX ((size_t)64 << 20) /* the package.json and the object, each */
#define EM_BPF	    247

bool eunomia_is_package(const char *path)
{
	FILE *f;
	int c = EOF;

	if (str_has_suffix(path, ".json"))
		return true;
	f = fopen(path, "r");
	if (!f)
		return false;
	do
		c = fgetc(f);
	while (c == ' ' || c == '\n' || c == '\t' || c == '\r');
	fclose(f);
	return c == '{';
}

static int bad(struct eucc_error *err, const char *path, const char *why)
{
	eucc_error_set(err, -EBADMSG, EUCC_E_BAD_PACKAGE, "%s: not an eunomia-bpf package: %s",
		       path, why);
	eucc_error_hint(err, "an eunomia-bpf package.json has \"bpf_object\" (base64 of the "
			     "zlib-compressed object), \"bpf_object_size\" and \"meta\", as ecc "
			     "writes it");
	return -EBADMSG;
}

/* base64, then zlib, to exactly @want bytes of a BPF ELF object. */
static int decode_object(const char *b64, size_t want, unsigned char **out, const char **why)
{
	size_t len = strlen(b64), zlen;
	unsigned char *z = malloc(len / 4 * 3 + 3), *obj;
	uLongf got = want;
	int n;

	*why = NULL;
	if (!z)
		return -ENOMEM;
	n = len % 4 ? -1 : EVP_DecodeBlock(z, (const unsigned char *)b64, (int)len);
	if (n < 0) {
		free(z);
		*why = "\"bpf_object\" is not base64";
		return -EBADMSG;
	}
	zlen = (size_t)n - (len >= 1 && b64[len - 1] == '=') - (len >= 2 && b64[len - 2] == '=');
	obj = malloc(want ? want : 1);
	if (!obj) {
		free(z);
		return -ENOMEM;
	}
	if (uncompress(obj, &got, z, (uLong)zlen) != Z_OK || got != want)
		*why = "\"bpf_object\" does not inflate (zlib) to \"bpf_object_size\" bytes";
	else if (want < 20 || memcmp(obj, "\177ELF", 4) || obj[18] != EM_BPF)
		*why = "\"bpf_object\" is not a BPF ELF object";
	free(z);
	if (*why) {
		free(obj);
		return -EBADMSG;
	}
	*out = obj;
	return 0;
}

/* "programs", "maps" and "events" of the manifest, from the object as libbpf opens it. */
static int describe_object(const void *obj, size_t size, const cJSON *meta, cJSON *m,
			   const char **why)
{
	libbpf_print_fn_t print = libbpf_set_print(NULL); /* run prints what loading says */
	struct bpf_object *o = bpf_object__open_mem(obj, size, NULL);
	const cJSON *exp = cJSON_GetArrayItem(cJSON_GetObjectItem(meta, "export_types"), 0);
	cJSON *progs = cJSON_AddArrayToObject(m, "programs"),
	      *maps = cJSON_AddArrayToObject(m, "maps");
	cJSON *events = cJSON_AddArrayToObject(m, "events");
	struct bpf_program *p;
	struct bpf_map *map;
	bool event_done = false;

	libbpf_set_print(print);
	if (!o) {
		*why = "libbpf cannot open its object";
		return -EBADMSG;
	}
	bpf_object__for_each_program(p, o) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "name", bpf_program__name(p));
		cJSON_AddStringToObject(j, "section", bpf_program__section_name(p));
		cJSON_AddStringToObject(j, "type",
					libbpf_bpf_prog_type_str(bpf_program__type(p)) ?: "?");
		cJSON_AddItemToArray(progs, j);
	}
	bpf_object__for_each_map(map, o) {
		enum bpf_map_type t = bpf_map__type(map);
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "name", bpf_map__name(map));
		cJSON_AddStringToObject(j, "type", libbpf_bpf_map_type_str(t) ?: "?");
		cJSON_AddNumberToObject(j, "key_size", bpf_map__key_size(map));
		cJSON_AddNumberToObject(j, "value_size", bpf_map__value_size(map));
		cJSON_AddNumberToObject(j, "max_entries", bpf_map__max_entries(map));
		cJSON_AddItemToArray(maps, j);
		/* ecli prints the first export type from the program's ring or perf buffer */
		if (!event_done && cJSON_IsString(cJSON_GetObjectItem(exp, "name")) &&
		    (t == BPF_MAP_TYPE_RINGBUF || t == BPF_MAP_TYPE_PERF_EVENT_ARRAY)) {
			cJSON *e = cJSON_CreateObject();
			char type[300];

			snprintf(type, sizeof(type), "struct %s", json_str(exp, "name"));
			cJSON_AddStringToObject(e, "map", bpf_map__name(map));
			cJSON_AddStringToObject(e, "type", type);
			cJSON_AddNumberToObject(e, "size", json_num(exp, "size"));
			cJSON_AddStringToObject(e, "found", "export_types");
			cJSON_AddItemToArray(events, e);
			event_done = true;
		}
	}
	bpf_object__close(o);
	return 0;
}

/* The program's name: meta.bpf_skel.obj_name, else the file's base name. */
static void package_name(const cJSON *meta, const char *path, char *out, size_t size)
{
	const char *name = json_str(cJSON_GetObjectItem(meta, "bpf_skel"), "obj_name");
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	if (*name)
		snprintf(out, size, "%s", name);
	else
		snprintf(out, size, "%.*s", (int)strcspn(base, "."), base);
	for (char *c = out; *c; c++) /* a member path component */
		if (*c == '/' || (unsigned char)*c < 0x20 || *c == '\\')
			*c = '_';
	if (!*out || !strcmp(out, ".") || !strcmp(out, ".."))
		snprintf(out, size, "program");
}

static int build_package(const char *path, const char *hex, const cJSON *meta,
			 const unsigned char *obj, size_t size, struct pkg **out,
			 struct eucc_error *err)
{
	char name[128], opath[160], ohex[EUCC_SHA256_HEX];
	cJSON *m = cJSON_CreateObject(), *imp, *o;
	struct pkg_writer *w = NULL;
	const char *why = NULL;
	void *data = NULL;
	size_t len = 0;
	int ret;

	package_name(meta, path, name, sizeof(name));
	snprintf(opath, sizeof(opath), "%s.bpf.o", name);
	eucc_sha256_hex(obj, size, ohex);
	cJSON_AddStringToObject(m, "name", name);
	cJSON_AddStringToObject(m, "arch", arch_host());
	imp = cJSON_AddObjectToObject(m, "imported");
	cJSON_AddStringToObject(imp, "format", "eunomia-bpf package.json");
	cJSON_AddStringToObject(imp, "sha256", hex);
	o = cJSON_AddObjectToObject(m, "object");
	cJSON_AddStringToObject(o, "path", opath);
	cJSON_AddStringToObject(o, "sha256", ohex);
	cJSON_AddNumberToObject(o, "size", (double)size);
	ret = describe_object(obj, size, meta, m, &why);
	cJSON_AddArrayToObject(m, "kernels");
	if (!ret)
		ret = pkg_writer_new(&w);
	if (!ret)
		ret = pkg_writer_add(w, opath, obj, size);
	if (!ret)
		ret = pkg_writer_finish(w, m, &data, &len);
	pkg_writer_free(w);
	cJSON_Delete(m);
	if (ret == -EBADMSG)
		return bad(err, path, why);
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_INTERNAL, "cannot import %s: %s", path,
				      strerror(-ret));
	ret = pkg_open(data, len, out, err);
	free(data);
	return ret;
}

int eunomia_import(const char *path, struct pkg **out, struct eucc_error *err)
{
	char hex[EUCC_SHA256_HEX];
	const cJSON *b64, *size, *meta;
	unsigned char *obj = NULL;
	const char *why;
	cJSON *j;
	void *text;
	size_t len;
	double want;
	int ret = fs_read_file(path, EUNOMIA_MAX, &text, &len);

	*out = NULL;
	if (ret)
		return eucc_error_set(err, ret,
				      ret == -EFBIG ? EUCC_E_BAD_PACKAGE : EUCC_E_BAD_INPUT,
				      "cannot read %s: %s", path,
				      ret == -EFBIG ? "larger than 64 MiB" : strerror(-ret));
	eucc_sha256_hex(text, len, hex);
	j = cJSON_ParseWithLength(text, len);
	free(text);
	b64 = cJSON_GetObjectItemCaseSensitive(j, "bpf_object");
	size = cJSON_GetObjectItemCaseSensitive(j, "bpf_object_size");
	meta = cJSON_GetObjectItemCaseSensitive(j, "meta");
	want = cJSON_IsNumber(size) ? size->valuedouble : -1;
	if (!cJSON_IsObject(j))
		ret = bad(err, path, "it is not a JSON object");
	else if (!cJSON_IsString(b64) || !cJSON_IsObject(meta))
		ret = bad(err, path, "it lacks \"bpf_object\" (a string) or \"meta\" (an object)");
	else if (!(want > 0 && want <= (double)EUNOMIA_MAX) || (double)(size_t)want != want)
		ret = bad(err, path, "\"bpf_object_size\" is not a size up to 64 MiB");
	else if ((ret = decode_object(b64->valuestring, (size_t)want, &obj, &why)))
		ret = ret == -ENOMEM ? eucc_error_set(err, ret, EUCC_E_INTERNAL, "out of memory")
				     : bad(err, path, why);
	if (!ret)
		ret = build_package(path, hex, meta, obj, (size_t)want, out, err);
	free(obj);
	cJSON_Delete(j);
	return ret;
}

int remote_open_package(const struct remote_config *cfg, const char *path, struct pkg **out,
			struct trust_verdict *v, struct eucc_error *err)
{
	struct trust_verdict own;
	int ret;

	if (!eunomia_is_package(path))
		return trust_open_file(cfg, path, out, v, err);
	/* no signature to check: with keys pinned, trust_check refuses it as unsigned */
	ret = eunomia_import(path, out, err);
	if (!ret && (ret = trust_check(cfg, *out, v ? v : &own, err))) {
		pkg_close(*out);
		*out = NULL;
	}
	return ret;
}
