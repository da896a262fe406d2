/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The minimized BTF of packages as the tar that libbpf-tools (min_core_btfs.tar.gz) and
 * Inspektor Gadget (the btfgen layer) read: <ID>/<VERSION_ID>/<uname -m>/<release>.btf, ID and
 * VERSION_ID as /etc/os-release names the distro, `uname -m` the arch (docs/formats.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "remote.h"

int export_btf_archive(struct pkg *const *pkgs, size_t npkgs, const char *prefix, size_t name_max,
		       void **out, size_t *len, size_t *count, struct eucc_error *err)
{
	struct eucc_tar_file *files = NULL;
	char **paths = NULL;
	size_t n = 0, cap = 0;
	int ret = 0;

	for (size_t p = 0; !ret && p < npkgs; p++) {
		const cJSON *k;

		cJSON_ArrayForEach(k, cJSON_GetObjectItem(pkg_manifest(pkgs[p]), "kernels")) {
			const char *btf = json_str(cJSON_GetObjectItem(k, "btf"), "path");
			const void *data;
			size_t size;

			/* a kernel the checks refused gets no BTF: its tools must not load */
			if (!strcmp(json_str(k, "status"), "incompatible") ||
			    pkg_member(pkgs[p], btf, &data, &size))
				continue;
			if (n == cap) {
				size_t ncap = cap ? 2 * cap : 16;
				void *f = realloc(files, ncap * sizeof(*files)),
				     *s = f ? realloc(paths, ncap * sizeof(*paths)) : NULL;

				if (f)
					files = f;
				if (s)
					paths = s;
				if (!f || !s) {
					ret = -ENOMEM;
					break;
				}
				cap = ncap;
			}
			if (asprintf(&paths[n], "%s%s/%s/%s/%s.btf", prefix, json_str(k, "distro"),
				     json_str(k, "version"), uname_machine(json_str(k, "arch")),
				     json_str(k, "release")) < 0) {
				ret = -ENOMEM;
				break;
			}
			files[n] = (struct eucc_tar_file){paths[n], data, size};
			n++;
			if (name_max && strlen(paths[n - 1]) > name_max) {
				ret = eucc_error_set(err, -ENAMETOOLONG, EUCC_E_BAD_INPUT,
						     "%s: longer than the %zu bytes its reader "
						     "compares",
						     paths[n - 1], name_max);
				break;
			}
		}
	}
	if (!ret && !n)
		ret = eucc_error_set(err, -ENOENT, EUCC_E_BAD_INPUT,
				     "the package has no BTF of a kernel it is not incompatible "
				     "with");
	else if (!ret)
		ret = eucc_tar_build(files, n, true, out, len);
	if (ret == -ENAMETOOLONG && !err->message[0])
		eucc_error_set(err, ret, EUCC_E_BAD_INPUT,
			       "a kernel's path in the archive does not fit a tar header");
	else if (ret == -ENOMEM)
		eucc_error_set(err, ret, EUCC_E_INTERNAL, "out of memory");
	else if (ret && ret != -ENOENT)
		eucc_error_set(err, ret, EUCC_E_INTERNAL, "cannot build the BTF archive: %s",
			       strerror(-ret));
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(files);
	if (count)
		*count = n;
	return ret;
}
