/* SPDX-License-Identifier: Apache-2.0 */
/* Requests to a registry: TLS, headers, answers in memory or in a file, Basic and Bearer auth. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/evp.h>

#include "oci_internal.h"

#define TOKEN_MAX ((size_t)64 << 10)

/*
 * The host's CA bundle, for the static build: its libcurl has no CA path compiled in (the build
 * machine's would mean nothing on a host of another distribution), so it takes the first
 * bundle of the distributions' usual places that exists. The dynamic build keeps its
 * libcurl's own default (NULL).
 */
static const char *host_ca_bundle(void)
{
#ifdef EUCC_STATIC_BUILD
	static const char *const bundles[] = {
	    "/etc/ssl/certs/ca-certificates.crt", /* Debian, Ubuntu */
	    "/etc/pki/tls/certs/ca-bundle.crt",	  /* RHEL, CentOS, openEuler, Kylin */
	    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* RHEL 8+ */
	    "/etc/ssl/ca-bundle.pem",				 /* SUSE */
	    "/etc/ssl/cert.pem",				 /* Alpine */
	};

	for (size_t i = 0; i < sizeof(bundles) / sizeof(bundles[0]); i++)
		if (!access(bundles[i], R_OK))
			return bundles[i];
#endif
	return NULL;
}

void oci_curl_tls(void *curl, const char *cacert, bool insecure)
{
	const char *ca = cacert && cacert[0] ? cacert : host_ca_bundle();

	if (ca)
		curl_easy_setopt(curl, CURLOPT_CAINFO, ca);
	if (insecure) {
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

int oci_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -ENOMEM;
}

int oci_client_new(const struct oci_ref *ref, const struct oci_opts *opts, struct oci_client **out,
		   struct eucc_error *err)
{
	struct oci_client *c = calloc(1, sizeof(*c));

	if (!c)
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	c->ref = *ref;
	snprintf(c->base, sizeof(c->base), "%s://%s/v2/%s", ref->plain_http ? "http" : "https",
		 ref->registry, ref->repo);
	if (opts && opts->cacert)
		snprintf(c->cacert, sizeof(c->cacert), "%s", opts->cacert);
	if (opts && opts->credentials)
		snprintf(c->credentials, sizeof(c->credentials), "%s", opts->credentials);
	c->insecure = opts && opts->insecure;
	c->progress = opts && opts->progress;
	c->timeout_sec = opts && opts->timeout_sec ? opts->timeout_sec : 600;
	pthread_mutex_init(&c->lock, NULL);
	*out = c;
	return 0;
}

void oci_client_free(struct oci_client *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	explicit_bzero(c, sizeof(*c));
	free(c);
}

void oci_answer_free(struct oci_answer *ans)
{
	free(ans->body);
	memset(ans, 0, sizeof(*ans));
}

/* ---- the answer --------------------------------------------------------------------------- */

struct transfer {
	CURL *curl;
	const struct oci_request *rq;
	struct oci_answer *ans;
};

static void header_value(const char *line, size_t n, const char *name, char *out, size_t size)
{
	size_t len = strlen(name);
	const char *v;

	if (n <= len || strncasecmp(line, name, len) || line[len] != ':')
		return;
	v = line + len + 1;
	while (v < line + n && (*v == ' ' || *v == '\t'))
		v++;
	while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == '\n'))
		n--;
	if (v >= line + n)
		return;
	snprintf(out, size, "%.*s", (int)(line + n - v), v);
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *p)
{
	struct transfer *t = p;
	size_t n = size * nmemb;

	if (n > 5 && !strncmp(line, "HTTP/", 5)) { /* a new answer (after a redirect) */
		t->ans->location[0] = t->ans->digest[0] = t->ans->www_auth[0] = '\0';
		return n;
	}
	header_value(line, n, "Location", t->ans->location, sizeof(t->ans->location));
	header_value(line, n, "Docker-Content-Digest", t->ans->digest, sizeof(t->ans->digest));
	header_value(line, n, "WWW-Authenticate", t->ans->www_auth, sizeof(t->ans->www_auth));
	return n;
}

static size_t to_memory(struct oci_answer *ans, size_t max, const char *ptr, size_t n)
{
	return str_append(&ans->body, &ans->size, max, ptr, n) ? 0 : n;
}

/* A download's 200 or 206 goes to the file (a 200 to a resumed file starts it again); any
 * other answer (an error's JSON) to memory. */
static size_t on_data(char *ptr, size_t size, size_t nmemb, void *p)
{
	struct transfer *t = p;
	size_t n = size * nmemb;
	long status = 0;

	curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
	if (t->rq->file && (status == 200 || status == 206)) {
		if (status == 200 && t->rq->resume > 0 && !t->ans->restarted && !t->ans->written) {
			if (fflush(t->rq->file) || ftruncate(fileno(t->rq->file), 0))
				return 0;
			t->ans->restarted = true;
		}
		if (fwrite(ptr, 1, n, t->rq->file) != n)
			return 0;
		t->ans->written += (long long)n;
		return n;
	}
	return to_memory(t->ans, t->rq->max ? t->rq->max : ((size_t)1 << 20), ptr, n);
}

int oci_curl_progress(void *p, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		      curl_off_t ulnow)
{
	struct oci_progress *pr = p;
	curl_off_t total = dltotal + pr->resumed, now = dlnow + pr->resumed;
	int pct;

	(void)ultotal, (void)ulnow;
	if (dltotal <= 0)
		return 0;
	pct = (int)(now * 100 / (total ? total : 1));
	if (pct != pr->last_pct) {
		pr->last_pct = pct;
		fprintf(stderr, "\r[%-40.*s] %3d%% %lld/%lld bytes", pct * 40 / 100,
			"########################################", pct, (long long)now,
			(long long)total);
	}
	return 0;
}

/* ---- one request ---------------------------------------------------------------------------- */

static int transport_error(const struct oci_client *c, CURLcode rc, const char *detail,
			   struct eucc_error *err)
{
	const char *why = detail[0] ? detail : curl_easy_strerror(rc);

	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
		eucc_error_set(err, -EPROTO, EUCC_E_TLS_FAILED,
			       "TLS with the registry %s failed: %s", c->ref.registry, why);
		eucc_error_hint(err, "a registry behind a private CA needs --cacert FILE (or "
				     "CURL_CA_BUNDLE, SSL_CERT_FILE); one without TLS is named "
				     "oci+http://REGISTRY/REPO");
		return -EPROTO;
	default:
		eucc_error_set(err, -EHOSTUNREACH, EUCC_E_UNREACHABLE,
			       "cannot reach the registry %s: %s", c->ref.registry, why);
		eucc_error_hint(err, "check the registry's host and port (and that it speaks "
				     "https, or name it oci+http://REGISTRY/REPO)");
		return -EHOSTUNREACH;
	}
}

static int perform_once(struct oci_client *c, const struct oci_request *rq, struct oci_answer *ans,
			struct eucc_error *err)
{
	char url[4096], detail[CURL_ERROR_SIZE] = "", line[8300];
	struct oci_progress pr = {.resumed = rq->resume, .last_pct = -1};
	struct transfer t = {.rq = rq, .ans = ans};
	struct curl_slist *h = NULL;
	CURLcode rc;

	memset(ans, 0, sizeof(*ans));
	t.curl = curl_easy_init();
	if (!t.curl)
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "cannot start libcurl");
	if (strstr(rq->url, "://"))
		snprintf(url, sizeof(url), "%s", rq->url);
	else if (rq->url[0] == '/' && !strncmp(rq->url, "/v2/", 4)) /* a Location path */
		snprintf(url, sizeof(url), "%s://%s%s", c->ref.plain_http ? "http" : "https",
			 c->ref.registry, rq->url);
	else
		snprintf(url, sizeof(url), "%s%s", c->base, rq->url);
	pthread_mutex_lock(&c->lock);
	if (c->authorization[0]) {
		snprintf(line, sizeof(line), "Authorization: %s", c->authorization);
		h = curl_slist_append(h, line);
	}
	pthread_mutex_unlock(&c->lock);
	if (rq->accept) {
		snprintf(line, sizeof(line), "Accept: %s", rq->accept);
		h = curl_slist_append(h, line);
	}
	if (rq->content_type) {
		snprintf(line, sizeof(line), "Content-Type: %s", rq->content_type);
		h = curl_slist_append(h, line);
	}
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(t.curl, CURLOPT_URL, url);
	curl_easy_setopt(t.curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(t.curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(t.curl, CURLOPT_HEADERDATA, &t);
	curl_easy_setopt(t.curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(t.curl, CURLOPT_WRITEDATA, &t);
	curl_easy_setopt(t.curl, CURLOPT_ERRORBUFFER, detail);
	curl_easy_setopt(t.curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(t.curl, CURLOPT_TIMEOUT, (long)c->timeout_sec);
	curl_easy_setopt(t.curl, CURLOPT_NOSIGNAL, 1L);
	oci_curl_tls(t.curl, c->cacert, c->insecure);
	if (!strcmp(rq->method, "HEAD")) {
		curl_easy_setopt(t.curl, CURLOPT_NOBODY, 1L);
	} else {
		curl_easy_setopt(t.curl, CURLOPT_CUSTOMREQUEST, rq->method);
		/* blobs may be served from elsewhere (a redirect to storage); only GET follows */
		curl_easy_setopt(t.curl, CURLOPT_FOLLOWLOCATION, !strcmp(rq->method, "GET"));
	}
	if (rq->body || !strcmp(rq->method, "PUT") || !strcmp(rq->method, "POST")) {
		curl_easy_setopt(t.curl, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
		curl_easy_setopt(t.curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->len);
	}
	if (rq->file && rq->resume > 0)
		curl_easy_setopt(t.curl, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)rq->resume);
	if (rq->file && c->progress) {
		curl_easy_setopt(t.curl, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(t.curl, CURLOPT_XFERINFOFUNCTION, oci_curl_progress);
		curl_easy_setopt(t.curl, CURLOPT_XFERINFODATA, &pr);
	}
	rc = curl_easy_perform(t.curl);
	curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &ans->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(t.curl);
	if (pr.last_pct >= 0)
		fputc('\n', stderr);
	/* a resumed download of a whole file: 416, with curl's own complaint about the range */
	if (rc == CURLE_RANGE_ERROR || (rc == CURLE_OK && ans->status == 416))
		return ans->status = 416, 0;
	if (rc == CURLE_WRITE_ERROR && rq->file)
		return eucc_error_set(err, -EIO, EUCC_E_IO, "cannot write the download: %s",
				      strerror(errno));
	if (rc != CURLE_OK) {
		oci_answer_free(ans);
		return transport_error(c, rc, detail, err);
	}
	return 0;
}

/* ---- auth ----------------------------------------------------------------------------------- */

/* The value of @key="..." (or key=token) in a challenge. */
static bool challenge_param(const char *ch, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);

	for (const char *p = ch; (p = strcasestr(p, key)); p += klen) {
		const char *v = p + klen, *end;

		if ((p != ch && p[-1] != ' ' && p[-1] != ',') || *v != '=')
			continue;
		v++;
		if (*v == '"')
			end = strchr(++v, '"');
		else
			end = v + strcspn(v, ", ");
		if (!end)
			return false;
		snprintf(out, size, "%.*s", (int)(end - v), v);
		return true;
	}
	return false;
}

static void basic_value(const char *credentials, char *out, size_t size)
{
	unsigned char enc[1024];
	int n = (int)strlen(credentials);

	if (n > 700)
		n = 700;
	EVP_EncodeBlock(enc, (const unsigned char *)credentials, n);
	snprintf(out, size, "Basic %s", enc);
}

static int need_credentials(const struct oci_client *c, struct eucc_error *err)
{
	eucc_error_set(err, -EACCES, EUCC_E_UNAUTHORIZED, "the registry %s wants credentials",
		       c->ref.registry);
	eucc_error_hint(err,
			"give --registry-user USER:PASSWORD (or EUCC_REGISTRY_USER=USER:PASSWORD)");
	return -EACCES;
}

/* The Bearer flow: GET realm?service=...&scope=... (with Basic credentials if any), then
 * {"token": ...} or {"access_token": ...}. */
static int bearer_token(struct oci_client *c, const char *ch, char *out, size_t size,
			struct eucc_error *err)
{
	char realm[1024] = "", service[512] = "", scope[1024] = "", url[3072], basic[1100];
	struct oci_client tc = {0};
	struct oci_answer ans;
	const char *tok;
	cJSON *j;
	int ret;

	if (!challenge_param(ch, "realm", realm, sizeof(realm)) || strncmp(realm, "http", 4))
		return eucc_error_set(err, -EPROTO, EUCC_E_SERVER_ERROR,
				      "the registry %s asks for a token without a realm URL",
				      c->ref.registry);
	challenge_param(ch, "service", service, sizeof(service));
	challenge_param(ch, "scope", scope, sizeof(scope));
	{
		char *es = curl_easy_escape(NULL, service, 0),
		     *esc = curl_easy_escape(NULL, scope, 0);

		snprintf(url, sizeof(url), "%s%s%s%s%s%s", realm, strchr(realm, '?') ? "&" : "?",
			 service[0] ? "service=" : "", service[0] ? es : "",
			 scope[0] ? (service[0] ? "&scope=" : "scope=") : "", scope[0] ? esc : "");
		curl_free(es);
		curl_free(esc);
	}
	/* the token request: a client of its own, with Basic credentials (not the token) */
	tc = *c;
	tc.authorization[0] = '\0';
	pthread_mutex_init(&tc.lock, NULL);
	if (c->credentials[0]) {
		basic_value(c->credentials, basic, sizeof(basic));
		snprintf(tc.authorization, sizeof(tc.authorization), "%s", basic);
	}
	ret = perform_once(
	    &tc, &(struct oci_request){.method = "GET", .url = url, .max = TOKEN_MAX}, &ans, err);
	pthread_mutex_destroy(&tc.lock);
	explicit_bzero(&tc, sizeof(tc));
	if (ret)
		return ret;
	if (ans.status == 401 || ans.status == 403) {
		long status = ans.status;

		oci_answer_free(&ans);
		if (!c->credentials[0])
			return need_credentials(c, err);
		eucc_error_set(err, -EACCES, EUCC_E_UNAUTHORIZED,
			       "the token service %s refused the credentials (HTTP %ld)", realm,
			       status);
		eucc_error_hint(err, "check --registry-user USER:PASSWORD (or EUCC_REGISTRY_USER)");
		return -EACCES;
	}
	j = ans.status == 200 ? cJSON_Parse(ans.body) : NULL;
	tok = json_str(j, "token")[0] ? json_str(j, "token") : json_str(j, "access_token");
	if (!tok[0] || strlen(tok) + 8 >= size) {
		eucc_error_set(err, -EPROTO, EUCC_E_SERVER_ERROR,
			       "the token service %s gave no token (HTTP %ld)", realm, ans.status);
		cJSON_Delete(j);
		oci_answer_free(&ans);
		return -EPROTO;
	}
	snprintf(out, size, "Bearer %s", tok);
	cJSON_Delete(j);
	oci_answer_free(&ans);
	return 0;
}

/* Answer the challenge of a 401: the new Authorization goes into the client. */
static int authenticate(struct oci_client *c, const char *ch, struct eucc_error *err)
{
	char value[sizeof(c->authorization)];
	int ret;

	if (!strncasecmp(ch, "Basic", 5)) {
		if (!c->credentials[0])
			return need_credentials(c, err);
		basic_value(c->credentials, value, sizeof(value));
	} else if (!strncasecmp(ch, "Bearer", 6)) {
		ret = bearer_token(c, ch, value, sizeof(value), err);
		if (ret)
			return ret;
	} else {
		return eucc_error_set(err, -EPROTO, EUCC_E_UNAUTHORIZED,
				      "the registry %s asks for an authentication this client does "
				      "not speak: %.60s",
				      c->ref.registry, ch);
	}
	pthread_mutex_lock(&c->lock);
	snprintf(c->authorization, sizeof(c->authorization), "%s", value);
	pthread_mutex_unlock(&c->lock);
	explicit_bzero(value, sizeof(value));
	return 0;
}

int oci_perform(struct oci_client *c, const struct oci_request *rq, struct oci_answer *ans,
		struct eucc_error *err)
{
	char ch[sizeof(ans->www_auth)], sent[sizeof(c->authorization)];
	int ret;

	pthread_mutex_lock(&c->lock);
	snprintf(sent, sizeof(sent), "%s", c->authorization);
	pthread_mutex_unlock(&c->lock);
	ret = perform_once(c, rq, ans, err);
	if (ret || ans->status != 401 || !ans->www_auth[0])
		return ret;
	/* The Basic credentials were refused: asking again would not help. */
	if (sent[0] && !strncasecmp(sent, "Basic", 5) && !strncasecmp(ans->www_auth, "Basic", 5)) {
		oci_answer_free(ans);
		eucc_error_set(err, -EACCES, EUCC_E_UNAUTHORIZED,
			       "the registry %s refused the credentials", c->ref.registry);
		eucc_error_hint(err, "check --registry-user USER:PASSWORD (or EUCC_REGISTRY_USER)");
		return -EACCES;
	}
	snprintf(ch, sizeof(ch), "%s", ans->www_auth);
	oci_answer_free(ans);
	ret = authenticate(c, ch, err);
	if (ret)
		return ret;
	if (rq->file && (fflush(rq->file) || ftruncate(fileno(rq->file), rq->resume) ||
			 fseek(rq->file, 0, SEEK_END)))
		return eucc_error_set(err, -EIO, EUCC_E_IO, "cannot write the download");
	ret = perform_once(c, rq, ans, err);
	if (!ret && ans->status == 401) {
		oci_answer_free(ans);
		eucc_error_set(err, -EACCES, EUCC_E_UNAUTHORIZED,
			       "the registry %s refused the credentials", c->ref.registry);
		eucc_error_hint(err, "check --registry-user USER:PASSWORD (or EUCC_REGISTRY_USER), "
				     "and that this user may read (pull) or write (push) the "
				     "repository");
		return -EACCES;
	}
	return ret;
}

int oci_status_error(const struct oci_client *c, const char *what, const struct oci_answer *ans,
		     struct eucc_error *err)
{
	cJSON *j = ans->body ? cJSON_Parse(ans->body) : NULL;
	cJSON *e0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "errors"), 0);
	const char *code = json_str(e0, "code"), *msg = json_str(e0, "message");
	enum eucc_code ec = ans->status == 404			      ? EUCC_E_NOT_FOUND
			    : ans->status == 401		      ? EUCC_E_UNAUTHORIZED
			    : ans->status == 403		      ? EUCC_E_FORBIDDEN
			    : ans->status >= 400 && ans->status < 500 ? EUCC_E_BAD_INPUT
								      : EUCC_E_SERVER_ERROR;
	int ret = ans->status == 404 ? -ENOENT : ans->status == 403 ? -EACCES : -EPROTO;

	eucc_error_set(err, ret, ec, "%s: the registry %s answered HTTP %ld%s%s%s%s", what,
		       c->ref.registry, ans->status, code[0] ? " " : "", code, msg[0] ? ": " : "",
		       msg);
	if (ans->status == 403)
		eucc_error_hint(err, "this user may not do that in %s", c->ref.repo);
	else if (ans->status == 404)
		eucc_error_hint(err, "check the repository and the tag or digest");
	cJSON_Delete(j);
	return ret;
}
