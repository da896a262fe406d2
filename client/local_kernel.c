/* SPDX-License-Identifier: Apache-2.0 */
/*
 * This host's kernel as a server sees it: its release (uname -r), its build id (the GNU build
 * id note of /sys/kernel/notes) and, where it has BTF, that BTF's sha256; and the offer of that
 * BTF to a server that lacks it (POST /v1/btf, by digest first, then the BTF itself).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "remote.h"

#define LOCAL_BTF   "/sys/kernel/btf/vmlinux"
#define LOCAL_NOTES "/sys/kernel/notes"
#define BTF_MAX	    ((size_t)256 << 20)

int local_kernel_identify(struct local_kernel *lk, void **btf, size_t *btf_len)
{
	struct utsname u;
	void *data = NULL;
	size_t len = 0;

	memset(lk, 0, sizeof(*lk));
	if (uname(&u))
		return -errno;
	snprintf(lk->release, sizeof(lk->release), "%s", u.release);
	snprintf(lk->arch, sizeof(lk->arch), "%s", arch_host());
	if (kernel_build_id(LOCAL_NOTES, lk->build_id, sizeof(lk->build_id)))
		lk->build_id[0] = '\0';
	lk->btf_error = fs_read_file(LOCAL_BTF, BTF_MAX, &data, &len);
	if (!lk->btf_error)
		eucc_sha256_hex(data, len, lk->btf_sha256);
	if (btf && !lk->btf_error) {
		*btf = data;
		*btf_len = len;
	} else {
		free(data);
	}
	return 0;
}

/* POST /v1/btf for this host's kernel: with @data NULL an offer by digest. */
static long offer_btf(const struct remote_config *cfg, const struct local_kernel *lk,
		      const void *data, size_t len, struct eucc_error *err)
{
	struct http_answer ans;
	char path[512];
	long status;

	snprintf(path, sizeof(path), "/v1/btf?release=%s&arch=%s&sha256=%s%s%s", lk->release,
		 lk->arch, lk->btf_sha256, lk->build_id[0] ? "&build_id=" : "", lk->build_id);
	if (http_request_data(cfg, "POST", path, data, len, &ans, err))
		return -1;
	status = ans.status;
	if (status >= 300 && !(status == 404 && !data))
		http_error(&ans, err);
	http_answer_free(&ans);
	return status;
}

int local_kernel_offer(const struct remote_config *cfg, bool quiet, struct eucc_error *err)
{
	struct local_kernel lk;
	void *data = NULL;
	size_t len = 0;
	long status;

	local_kernel_identify(&lk, &data, &len);
	if (lk.btf_error) {
		eucc_error_set(err, lk.btf_error, EUCC_E_KERNEL_NOT_FOUND,
			       "the server has no BTF for this host's kernel %s, and this host has "
			       "none to offer (%s: %s)",
			       lk.release, LOCAL_BTF, strerror(-lk.btf_error));
		eucc_error_hint(err,
				"import it on the server from a BTFHub archive or the kernel's "
				"debug package: eucc-server btf import PATH --release %s",
				lk.release);
		return lk.btf_error;
	}
	if (!quiet)
		fprintf(stderr,
			"eucc-remote: the server has no BTF for this host's kernel %s; "
			"offering it (sha256:%.12s...)\n",
			lk.release, lk.btf_sha256);
	status = offer_btf(cfg, &lk, NULL, 0, err);
	if (status == 404)
		status = offer_btf(cfg, &lk, data, len, err);
	free(data);
	return status == 200 || status == 201 ? 0 : -EPROTO;
}
