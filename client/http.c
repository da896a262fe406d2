/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTP side of eucc-remote, with libcurl. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "oci.h"
#include "remote.h"

#define ANSWER_MAX ((size_t)64 << 20)

int http_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -ENOMEM;
}

void http_cleanup(void)
{
	curl_global_cleanup();
}

char *http_escape(const char *s)
{
	return curl_easy_escape(NULL, s, 0);
}

void http_escape_free(char *s)
{
	curl_free(s);
}

static size_t collect(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct http_answer *ans = userdata;
	size_t n = size * nmemb;

	return str_append(&ans->body, &ans->size, ANSWER_MAX, ptr, n) ? 0 : n;
}

static struct curl_slist *common_headers(const struct remote_config *cfg, bool json_body)
{
	struct curl_slist *h = NULL;
	char auth[300];

	h = curl_slist_append(h, "Accept: application/json");
	if (json_body)
		h = curl_slist_append(h, "Content-Type: application/json");
	if (cfg->token[0]) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", cfg->token);
		h = curl_slist_append(h, auth);
	}
	if (cfg->source_key[0]) { /* for a proxy that routes by it (docs/registry.md) */
		snprintf(auth, sizeof(auth), "X-Eucc-Key: %s", cfg->source_key);
		h = curl_slist_append(h, auth);
	}
	h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
	return h;
}

/* https: the CA bundle asked for (else the host's), or no verification at all. */
static void tls_setup(CURL *curl, const struct remote_config *cfg)
{
	oci_curl_tls(curl, cfg->cacert, cfg->insecure);
}

static bool tls_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return true;
	default:
		return false;
	}
}

static int curl_failed(const struct remote_config *cfg, CURLcode rc, const char *detail,
		       struct eucc_error *err)
{
	if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL) {
		eucc_error_set(err, -EINVAL, EUCC_E_USAGE, "the server URL '%s' is not valid: %s",
			       cfg->server, detail[0] ? detail : curl_easy_strerror(rc));
		eucc_error_hint(err, "give --server http://HOST:PORT or https://HOST[:PORT] (or "
				     "EUCC_SERVER)");
		return -EINVAL;
	}
	if (tls_error(rc)) { /* the server answered: its certificate or TLS is the problem */
		eucc_error_set(err, -EPROTO, EUCC_E_TLS_FAILED, "TLS with %s failed: %s",
			       cfg->server, detail[0] ? detail : curl_easy_strerror(rc));
		eucc_error_hint(err,
				rc == CURLE_SSL_CACERT_BADFILE
				    ? "--cacert (or CURL_CA_BUNDLE, SSL_CERT_FILE) names no "
				      "readable PEM file"
				    : "a server behind a private CA needs --cacert FILE (or "
				      "CURL_CA_BUNDLE, SSL_CERT_FILE); --insecure skips the check");
		return -EPROTO;
	}
	eucc_error_set(err, -EHOSTUNREACH, EUCC_E_UNREACHABLE,
		       "cannot reach the eucc server at %s: %s", cfg->server,
		       detail[0] ? detail : curl_easy_strerror(rc));
	eucc_error_hint(err, "start one with `eucc-server serve`, or point to yours with --server "
			     "URL or EUCC_SERVER");
	return -EHOSTUNREACH;
}

int http_request(const struct remote_config *cfg, const char *method, const char *path,
		 const char *body, struct http_answer *ans, struct eucc_error *err)
{
	return http_request_data(cfg, method, path, body, body ? strlen(body) : 0, ans, err);
}

int http_request_data(const struct remote_config *cfg, const char *method, const char *path,
		      const void *body, size_t len, struct http_answer *ans, struct eucc_error *err)
{
	char url[1024], detail[CURL_ERROR_SIZE] = "";
	struct curl_slist *headers;
	CURL *curl;
	CURLcode rc;

	memset(ans, 0, sizeof(*ans));
	curl = curl_easy_init();
	if (!curl)
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "cannot start libcurl");
	snprintf(url, sizeof(url), "%s%s", cfg->server, path);
	headers = common_headers(cfg, body && len && ((const char *)body)[0] == '{');
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, ans);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)cfg->timeout_sec);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	tls_setup(curl, cfg);
	if (body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &ans->status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	if (rc != CURLE_OK) {
		http_answer_free(ans);
		return curl_failed(cfg, rc, detail, err);
	}
	if (!ans->body) {
		ans->body = strdup("");
		if (!ans->body)
			return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	}
	return 0;
}

void http_answer_free(struct http_answer *ans)
{
	free(ans->body);
	memset(ans, 0, sizeof(*ans));
}

int http_error(const struct http_answer *ans, struct eucc_error *err)
{
	cJSON *o = cJSON_Parse(ans->body), *e = cJSON_GetObjectItem(o, "error");
	const char *code = cJSON_GetStringValue(cJSON_GetObjectItem(e, "code"));
	const char *msg = cJSON_GetStringValue(cJSON_GetObjectItem(e, "message"));
	const char *hint = cJSON_GetStringValue(cJSON_GetObjectItem(e, "hint"));

	/* a 5xx is the server's failure, whatever it calls it */
	enum eucc_code c = ans->status >= 500 ? EUCC_E_SERVER_ERROR
					      : eucc_code_from_name(code, EUCC_E_SERVER_ERROR);

	eucc_error_set(err, -EPROTO, c, "%s (HTTP %ld)",
		       msg ? msg : "the server answered with an error", ans->status);
	if (hint)
		eucc_error_hint(err, "%s", hint);
	else if (ans->status == 401 || ans->status == 403)
		eucc_error_hint(err, "pass a token with scope compile via --token or EUCC_TOKEN");
	cJSON_Delete(o);
	return err->err;
}

static int download_error(const struct remote_config *cfg, CURLcode rc, long status,
			  const char *detail, struct eucc_error *err)
{
	if (rc != CURLE_OK && rc != CURLE_HTTP_RETURNED_ERROR)
		return curl_failed(cfg, rc, detail, err);
	if (status == 404) {
		eucc_error_set(err, -ENOENT, EUCC_E_NOT_FOUND,
			       "the server has no artifact with that digest");
		eucc_error_hint(err,
				"check the digest; an evicted artifact comes back by compiling "
				"again");
		return -ENOENT;
	}
	if (status == 401 || status == 403)
		return eucc_error_set(err, -EACCES,
				      status == 401 ? EUCC_E_UNAUTHORIZED : EUCC_E_FORBIDDEN,
				      "the server refused the download (HTTP %ld)", status);
	return eucc_error_set(err, -EPROTO, EUCC_E_SERVER_ERROR, "download failed with HTTP %ld",
			      status);
}

int http_download(const struct remote_config *cfg, const char *path, const char *file,
		  bool progress, struct eucc_error *err)
{
	struct oci_progress pr = {.last_pct = -1};
	char url[1024], detail[CURL_ERROR_SIZE] = "";
	struct curl_slist *headers;
	struct stat st;
	long status = 0;
	CURLcode rc;
	CURL *curl;
	FILE *out;

	if (stat(file, &st) == 0)
		pr.resumed = st.st_size;
	out = fopen(file, "ab");
	if (!out)
		return eucc_error_set(err, -errno, EUCC_E_IO, "cannot write %s: %s", file,
				      strerror(errno));
	curl = curl_easy_init();
	snprintf(url, sizeof(url), "%s%s", cfg->server, path);
	headers = common_headers(cfg, false);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
	curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	tls_setup(curl, cfg);
	curl_easy_setopt(curl, CURLOPT_RESUME_FROM_LARGE, pr.resumed);
	if (progress) {
		curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, oci_curl_progress);
		curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &pr);
	}
	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	if (fclose(out) && rc == CURLE_OK)
		return eucc_error_set(err, -EIO, EUCC_E_IO, "cannot write %s", file);
	if (pr.last_pct >= 0)
		fputc('\n', stderr);
	/* 416: the partial file is already whole (or longer than the artifact): check it. */
	if (rc == CURLE_HTTP_RETURNED_ERROR && status == 416)
		return 0;
	if (rc != CURLE_OK)
		return download_error(cfg, rc, status, detail, err);
	return 0;
}
