/* SPDX-License-Identifier: Apache-2.0 */
/* eucc-remote's registry client: the invocation's TLS settings and credentials. */
#include <string.h>
#include <unistd.h>

#include "oci.h"
#include "remote.h"

int remote_oci_client(const struct remote_config *cfg, const char *text, bool need_ref,
		      struct oci_client **client, char *reference, size_t size,
		      struct eucc_error *err)
{
	struct oci_opts opts = {
	    .sz = sizeof(opts),
	    .cacert = cfg->cacert[0] ? cfg->cacert : NULL,
	    .insecure = cfg->insecure,
	    .credentials = cfg->registry_user[0] ? cfg->registry_user : NULL,
	    .timeout_sec = cfg->timeout_sec,
	    .progress = isatty(STDERR_FILENO) && !cfg->quiet,
	};
	struct oci_ref ref;
	int ret;

	ret = oci_ref_parse(text, need_ref, &ref, err);
	if (ret)
		return ret;
	if (reference)
		snprintf(reference, size, "%s", ref.digest[0] ? ref.digest : ref.tag);
	return oci_client_new(&ref, &opts, client, err);
}
