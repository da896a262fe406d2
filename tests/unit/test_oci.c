/* SPDX-License-Identifier: Apache-2.0 */
/* The registry module without a registry: references, the package artifact, the source key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "common.h"
#include "oci.h"

static void test_refs(void **state)
{
	struct eucc_error err = {0};
	struct oci_ref r;
	char buf[600];

	(void)state;
	assert_int_equal(oci_ref_parse("registry.example:5000/team/probes:v1.2", true, &r, &err),
			 0);
	assert_string_equal(r.registry, "registry.example:5000");
	assert_string_equal(r.repo, "team/probes");
	assert_string_equal(r.tag, "v1.2");
	assert_false(r.plain_http);
	assert_int_equal(
	    oci_ref_parse("oci+http://127.0.0.1:5000/p@sha256:"
			  "f5f86318fbebf79db01015b195b5f2130987b56fda9d9db7dc5631aabc7592a3",
			  true, &r, &err),
	    0);
	assert_true(r.plain_http);
	assert_string_equal(r.tag, "");
	assert_string_equal(
	    r.digest, "sha256:f5f86318fbebf79db01015b195b5f2130987b56fda9d9db7dc5631aabc7592a3");
	oci_ref_format(&r, buf, sizeof(buf));
	assert_string_equal(buf,
			    "oci+http://127.0.0.1:5000/p@sha256:"
			    "f5f86318fbebf79db01015b195b5f2130987b56fda9d9db7dc5631aabc7592a3");
	assert_true(oci_is_ref("oci://h/r:t"));
	assert_true(oci_is_ref("oci+http://h/r:t"));
	assert_false(oci_is_ref("http://h/v1/artifacts/x"));
	/* a port is not a tag */
	assert_int_equal(oci_ref_parse("oci://host:5000/repo", false, &r, &err), 0);
	assert_string_equal(r.registry, "host:5000");
	assert_string_equal(r.repo, "repo");

	static const struct {
		const char *text;
		bool need;
		const char *why;
	} bad[] = {
	    {"host/repo", true, "names no tag"},
	    {"host/Repo:v1", true, "lowercase"},
	    {"host/repo:-v1", true, "a tag is"},
	    {"host/repo@sha256:abc", true, "the digest is not"},
	    {"host/repo:v1", false, "no tag or digest"},
	    {"repo:v1", true, "no registry host"},
	    {"ftp://host/repo:v1", true, "the scheme"},
	    {"host/a//b:v1", true, "lowercase"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(oci_ref_parse(bad[i].text, bad[i].need, &r, &err), -EINVAL);
		assert_int_equal(err.code, EUCC_E_USAGE);
		if (!strstr(err.message, bad[i].why))
			fail_msg("%s: '%s' lacks '%s'", bad[i].text, err.message, bad[i].why);
		assert_true(err.hint[0] != '\0');
	}
}

static void make_package(void **data, size_t *len)
{
	cJSON *m =
	    cJSON_Parse("{\"name\":\"probe\",\"arch\":\"x86_64\",\"kernels\":["
			"{\"release\":\"5.10.0-32-cloud-amd64\",\"status\":\"incompatible\"},"
			"{\"release\":\"6.1.0-47-cloud-amd64\",\"status\":\"ok\"}]}");
	struct pkg_writer *w;

	assert_int_equal(pkg_writer_new(&w), 0);
	assert_int_equal(pkg_writer_add(w, "probe.bpf.o", "\177ELF", 4), 0);
	assert_int_equal(pkg_writer_finish(w, m, data, len), 0);
	pkg_writer_free(w);
	cJSON_Delete(m);
}

static void test_package_artifact(void **state)
{
	char *m1, *m2, digest[OCI_DIGEST_MAX], hex[EUCC_SHA256_HEX], want[80];
	struct eucc_error err = {0};
	size_t len, l1, l2;
	struct pkg *p;
	uint64_t size;
	void *data;
	cJSON *j;

	(void)state;
	make_package(&data, &len);
	assert_int_equal(pkg_open(data, len, &p, &err), 0);
	assert_int_equal(oci_package_manifest(data, len, pkg_manifest(p), &m1, &l1, &err), 0);
	assert_int_equal(oci_package_manifest(data, len, pkg_manifest(p), &m2, &l2, &err), 0);
	pkg_close(p);
	assert_int_equal(l1, l2);
	assert_memory_equal(m1, m2, l1); /* the same package, the same manifest digest */
	j = cJSON_Parse(m1);
	assert_string_equal(json_str(j, "artifactType"), OCI_PACKAGE_TYPE);
	assert_string_equal(
	    json_str(cJSON_GetObjectItem(j, "annotations"), "dev.eucc.package.statuses"),
	    "5.10.0-32-cloud-amd64=incompatible,6.1.0-47-cloud-amd64=ok");
	assert_int_equal(oci_package_layer(m1, l1, digest, &size, &err), 0);
	eucc_sha256_hex(data, len, hex);
	snprintf(want, sizeof(want), "sha256:%s", hex);
	assert_string_equal(digest, want);
	assert_int_equal(size, len);

	/* what a pull refuses */
	cJSON_ReplaceItemInObject(j, "artifactType", cJSON_CreateString("application/x-other"));
	free(m2);
	m2 = cJSON_PrintUnformatted(j);
	assert_int_equal(oci_package_layer(m2, strlen(m2), digest, &size, &err), -EBADMSG);
	assert_non_null(strstr(err.message, "not an eucc package"));
	cJSON_ReplaceItemInObject(j, "artifactType", cJSON_CreateString(OCI_PACKAGE_TYPE));
	cJSON_AddItemToArray(
	    cJSON_GetObjectItem(j, "layers"),
	    cJSON_Duplicate(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "layers"), 0), 1));
	free(m2);
	m2 = cJSON_PrintUnformatted(j);
	assert_int_equal(oci_package_layer(m2, strlen(m2), digest, &size, &err), -EBADMSG);
	cJSON_DeleteItemFromArray(cJSON_GetObjectItem(j, "layers"), 1);
	cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "layers"), 0), "size",
				  cJSON_CreateNumber(1e12));
	free(m2);
	m2 = cJSON_PrintUnformatted(j);
	assert_int_equal(oci_package_layer(m2, strlen(m2), digest, &size, &err), -EFBIG);
	assert_int_equal(oci_package_layer("[]", 2, digest, &size, &err), -EBADMSG);
	cJSON_Delete(j);
	free(m1);
	free(m2);
	free(data);
}

/* The source key: order of sources does not matter, every part does. */
static void test_source_key(void **state)
{
	struct eucc_source a[] = {{"p.bpf.c", "int x;", 6}, {"p.h", "#define A", 9}};
	struct eucc_source b[] = {{"p.h", "#define A", 9}, {"p.bpf.c", "int x;", 6}};
	char da[EUCC_SHA256_HEX], db[EUCC_SHA256_HEX], k1[EUCC_SHA256_HEX], k2[EUCC_SHA256_HEX];
	const char *flags[] = {"-DA", "-DB"}, *swapped[] = {"-DB", "-DA"};

	(void)state;
	assert_int_equal(eucc_sources_digest(a, 2, da), 0);
	assert_int_equal(eucc_sources_digest(b, 2, db), 0);
	assert_string_equal(da, db);
	eucc_source_key("x86_64", "p.bpf.c", da, flags, 2, k1);
	eucc_source_key("x86_64", "p.bpf.c", da, flags, 2, k2);
	assert_string_equal(k1, k2);
	eucc_source_key("x86_64", "p.bpf.c", da, swapped, 2, k2);
	assert_string_not_equal(k1, k2);
	eucc_source_key("arm64", "p.bpf.c", da, flags, 2, k2);
	assert_string_not_equal(k1, k2);
	b[0].size = 8; /* other content */
	assert_int_equal(eucc_sources_digest(b, 2, db), 0);
	assert_string_not_equal(da, db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_refs),
	    cmocka_unit_test(test_package_artifact),
	    cmocka_unit_test(test_source_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
