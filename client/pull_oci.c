/* SPDX-License-Identifier: Apache-2.0 */
/* pull oci://REGISTRY/REPO@sha256:... (or :TAG): the manifest, checked; the layer, resumed and
 * verified as any download. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci.h"
#include "remote.h"

int pull_oci_resolve(const struct remote_config *cfg, const char *text, struct oci_pull *p,
		     struct eucc_error *err)
{
	char reference[OCI_DIGEST_MAX + 64], layer[OCI_DIGEST_MAX];
	uint64_t size = 0;
	size_t len;
	char *m;
	int ret;

	memset(p, 0, sizeof(*p));
	snprintf(p->ref, sizeof(p->ref), "%s", text);
	ret = remote_oci_client(cfg, text, true, &p->client, reference, sizeof(reference), err);
	if (ret)
		return ret;
	p->pinned = !strncmp(reference, "sha256:", 7);
	ret = oci_manifest_get(p->client, reference, &m, &len, p->manifest_digest, err);
	if (!ret) {
		ret = oci_package_layer(m, len, layer, &size, err);
		free(m);
	}
	if (ret) {
		pull_oci_done(p);
		return ret;
	}
	snprintf(p->hex, sizeof(p->hex), "%s", layer + 7);
	p->size = size;
	if (!p->pinned)
		eucc_info("%s is %s: pin it with @%s", text, p->manifest_digest,
			  p->manifest_digest);
	return 0;
}

int pull_oci_fetch(struct oci_pull *p, const char *part, char *name, size_t size,
		   struct eucc_error *err)
{
	char layer[OCI_DIGEST_MAX];
	int ret;

	snprintf(layer, sizeof(layer), "sha256:%s", p->hex);
	ret = oci_blob_download(p->client, layer, part, err);
	if (ret)
		return ret; /* the partial file stays, for a resume */
	ret = pull_verify_file(part, p->hex, name, size, err);
	if (ret)
		unlink(part); /* whole but wrong: a resume cannot mend it */
	if (ret == -EBADMSG)
		eucc_error_hint(err, "the registry sent other bytes than its manifest names; the "
				     "file was deleted, pull again");
	return ret;
}

void pull_oci_done(struct oci_pull *p)
{
	oci_client_free(p->client);
	p->client = NULL;
}
