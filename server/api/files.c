/* SPDX-License-Identifier: Apache-2.0 */
/* GET|HEAD /v1/artifacts/{sha256} and GET /v1/btf/{sha256}: immutable files, ETag, Range. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api.h"

struct byte_range {
	uint64_t start, len;
	bool partial;
};

/* Parse "bytes=A-B", "bytes=A-", "bytes=-N" against @size; -ERANGE if unsatisfiable. */
static int parse_range(const char *h, uint64_t size, struct byte_range *r)
{
	unsigned long long a = 0, b = 0;
	char *end;

	r->start = 0;
	r->len = size;
	r->partial = false;
	if (!h)
		return 0;
	if (strncmp(h, "bytes=", 6) || strchr(h, ','))
		return 0; /* unknown or multiple ranges: the whole file, as RFC 9110 allows */
	h += 6;
	/* digits and one '-' only: strtoull would take signs and spaces */
	if (strspn(h, "0123456789-") != strlen(h) || !strchr(h, '-') ||
	    strchr(h, '-') != strrchr(h, '-'))
		return -ERANGE;
	if (*h == '-') {
		b = strtoull(h + 1, &end, 10);
		if (*end || b == 0)
			return -ERANGE;
		a = b >= size ? 0 : size - b;
		b = size - 1;
	} else {
		a = strtoull(h, &end, 10);
		if (*end != '-')
			return -ERANGE;
		b = end[1] ? strtoull(end + 1, &end, 10) : size - 1;
		if (*end && *end != '-')
			return -ERANGE;
	}
	if (a >= size || b < a)
		return -ERANGE;
	if (b >= size)
		b = size - 1;
	r->start = a;
	r->len = b - a + 1;
	r->partial = true;
	return 0;
}

/* Answer with the file open in @fd (taken: closed here), whole or a range of it. */
static int reply_file(struct request_state *r, int fd, uint64_t size, const char *digest,
		      const char *type)
{
	const char *inm =
	    MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	const char *range =
	    MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_RANGE);
	struct MHD_Response *resp;
	struct byte_range br;
	char etag[EUCC_SHA256_HEX + 2], buf[96];
	unsigned int status = MHD_HTTP_OK;

	snprintf(etag, sizeof(etag), "\"%s\"", digest);
	if (inm && strstr(inm, digest)) {
		close(fd);
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
		status = MHD_HTTP_NOT_MODIFIED;
		goto queue;
	}
	if (parse_range(range, size, &br)) {
		close(fd);
		snprintf(buf, sizeof(buf), "bytes */%" PRIu64, size);
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, buf);
		status = MHD_HTTP_RANGE_NOT_SATISFIABLE;
		goto queue;
	}
	resp = MHD_create_response_from_fd_at_offset64(br.len, fd, br.start);
	if (!resp) {
		close(fd);
		return MHD_NO;
	}
	if (br.partial) {
		snprintf(buf, sizeof(buf), "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, br.start,
			 br.start + br.len - 1, size);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, buf);
		status = MHD_HTTP_PARTIAL_CONTENT;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
	/* With tokens, no shared cache may keep a file for callers it does not authorize. */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				r->server->svc.auth_required
				    ? "private, max-age=31536000, immutable"
				    : "public, max-age=31536000, immutable");
	atomic_fetch_add(&r->server->metrics.bytes_sent, br.len);
queue:
	return reply_queue(r, status, resp);
}

/* Only verified bytes: the service opens the blob once its content matches the digest. */
int api_artifact(struct request_state *r)
{
	const char *digest = r->route.args[0];
	struct eucc_error err = {0};
	uint64_t size;
	int fd;

	if ((r->server->svc.opts.mirror_dir ? mirror_artifact : service_artifact)(
		&r->server->svc, digest, &fd, &size, &err))
		return reply_error(r, &err);
	if (!strncmp(digest, "sha256:", 7))
		digest += 7;
	return reply_file(r, fd, size, digest, "application/vnd.eucc.package+tar");
}

/* A mirror's index: it changes when the mirror is written again, so its ETag is its digest. */
int api_index(struct request_state *r)
{
	struct eucc_error err = {0};
	char hex[EUCC_SHA256_HEX];
	uint64_t size;
	void *data;
	int fd;

	if (!r->server->svc.opts.mirror_dir) {
		eucc_error_set(&err, -ENOENT, EUCC_E_NOT_FOUND,
			       "this server is no mirror: it has no index");
		eucc_error_hint(&err, "a mirror is served with `eucc-server serve --mirror DIR`");
		return reply_error(r, &err);
	}
	if (mirror_index(&r->server->svc, &fd, &size, &err))
		return reply_error(r, &err);
	data = size ? malloc(size) : NULL;
	if (!data || pread(fd, data, size, 0) != (ssize_t)size) {
		free(data);
		close(fd);
		eucc_error_set(&err, -EIO, EUCC_E_IO, "cannot read the mirror's index");
		return reply_error(r, &err);
	}
	eucc_sha256_hex(data, size, hex);
	free(data);
	return reply_file(r, fd, size, hex, "application/json");
}

int api_btf(struct request_state *r)
{
	const char *digest = r->route.args[0];
	struct eucc_error err = {0};
	struct btf_kernel k;
	int fd;

	if (!eucc_is_sha256_hex(digest)) {
		eucc_error_set(&err, -EINVAL, EUCC_E_BAD_REQUEST,
			       "a digest is 64 lowercase hex digits");
		return reply_error(r, &err);
	}
	if (btf_store_find_sha(r->server->svc.store, digest, &k, NULL) ||
	    (fd = open(k.path, O_RDONLY | O_CLOEXEC)) < 0) {
		eucc_error_set(&err, -ENOENT, EUCC_E_NOT_FOUND,
			       "no stored kernel BTF with that digest");
		return reply_error(r, &err);
	}
	return reply_file(r, fd, (uint64_t)k.size, digest, "application/octet-stream");
}
