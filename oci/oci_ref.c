/* SPDX-License-Identifier: Apache-2.0 */
/* Registry references: [oci://|oci+http://]REGISTRY/REPO[:TAG|@sha256:HEX]. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "oci.h"

bool oci_is_ref(const char *text)
{
	return !strncmp(text, "oci://", 6) || !strncmp(text, "oci+http://", 11);
}

/* The distribution spec's repository names: lowercase components [a-z0-9]+ joined by '.',
 * '_', '__', '-'s, separated by '/'. */
static bool repo_ok(const char *s)
{
	bool start = true;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (islower((unsigned char)*s) || isdigit((unsigned char)*s)) {
			start = false;
		} else if (*s == '/' || *s == '.' || *s == '_' || *s == '-') {
			if (start || !s[1])
				return false;
			start = *s == '/' || *s == '.';
		} else {
			return false;
		}
	}
	return true;
}

/* Tags: [A-Za-z0-9_][A-Za-z0-9._-]{0,127} */
static bool tag_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 128 || s[0] == '.' || s[0] == '-')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-')
			return false;
	return true;
}

static int bad_ref(struct eucc_error *err, const char *text, const char *what)
{
	eucc_error_set(err, -EINVAL, EUCC_E_USAGE, "'%s' is not a registry reference: %s", text,
		       what);
	eucc_error_hint(err, "give REGISTRY/REPO:TAG or oci://REGISTRY/REPO@sha256:<64 hex digits> "
			     "(oci+http://REGISTRY/... for a registry without TLS)");
	return -EINVAL;
}

/* Split off ":TAG" or "@sha256:HEX" from the path part @rest (REPO...). */
static int split_reference(const char *text, char *rest, bool need_ref, struct oci_ref *out,
			   struct eucc_error *err)
{
	char *at = strchr(rest, '@'), *colon, *slash = strrchr(rest, '/');

	if (at) {
		*at++ = '\0';
		if (strncmp(at, "sha256:", 7) || !eucc_is_sha256_hex(at + 7))
			return bad_ref(err, text,
				       "the digest is not sha256:<64 lowercase hex digits>");
		snprintf(out->digest, sizeof(out->digest), "%s", at);
	} else if ((colon = strrchr(rest, ':')) && (!slash || colon > slash)) {
		*colon++ = '\0';
		if (!tag_ok(colon))
			return bad_ref(
			    err, text,
			    "a tag is 1-128 of A-Z a-z 0-9 _ . - and starts with none of "
			    ". -");
		snprintf(out->tag, sizeof(out->tag), "%s", colon);
	}
	if (need_ref && !out->tag[0] && !out->digest[0])
		return bad_ref(err, text, "it names no tag (:TAG) and no digest (@sha256:...)");
	if (!need_ref && (out->tag[0] || out->digest[0]))
		return bad_ref(err, text,
			       "a registry URL here names a repository, no tag or digest");
	if (!repo_ok(rest))
		return bad_ref(err, text,
			       "the repository is lowercase letters and digits, separated by / . _ "
			       "-");
	if (strlen(rest) >= sizeof(out->repo))
		return bad_ref(err, text, "the repository name is too long");
	snprintf(out->repo, sizeof(out->repo), "%s", rest);
	return 0;
}

int oci_ref_parse(const char *text, bool need_ref, struct oci_ref *out, struct eucc_error *err)
{
	char buf[1024], *rest;
	const char *p = text;
	size_t hlen;

	memset(out, 0, sizeof(*out));
	if (!strncmp(p, "oci://", 6)) {
		p += 6;
	} else if (!strncmp(p, "oci+http://", 11)) {
		out->plain_http = true;
		p += 11;
	} else if (strstr(p, "://")) {
		return bad_ref(err, text, "the scheme is not oci:// (or oci+http:// without TLS)");
	}
	if (strlen(p) >= sizeof(buf))
		return bad_ref(err, text, "it is too long");
	snprintf(buf, sizeof(buf), "%s", p);
	rest = strchr(buf, '/');
	if (!rest || rest == buf)
		return bad_ref(err, text, "it names no registry host and repository (HOST/REPO)");
	hlen = (size_t)(rest - buf);
	if (hlen >= sizeof(out->registry))
		return bad_ref(err, text, "the registry host is too long");
	memcpy(out->registry, buf, hlen);
	for (size_t i = 0; i < hlen; i++)
		if (!isalnum((unsigned char)buf[i]) && !strchr(".-:[]", buf[i]))
			return bad_ref(err, text, "the registry is not HOST or HOST:PORT");
	return split_reference(text, rest + 1, need_ref, out, err);
}

void oci_ref_format(const struct oci_ref *ref, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s/%s%s%s", ref->plain_http ? "oci+http://" : "oci://",
		 ref->registry, ref->repo,
		 ref->digest[0] ? "@"
		 : ref->tag[0]	? ":"
				: "",
		 ref->digest[0] ? ref->digest : ref->tag);
}
