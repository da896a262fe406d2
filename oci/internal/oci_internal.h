/* SPDX-License-Identifier: Apache-2.0 */
/* The registry client's requests, shared by its files. */
#ifndef EUCC_OCI_INTERNAL_H
#define EUCC_OCI_INTERNAL_H

#include <pthread.h>
#include <stdio.h>

#include "oci.h"

struct oci_client {
	struct oci_ref ref;
	char base[512]; /* "https://HOST:PORT/v2/REPO" */
	char cacert[4096];
	bool insecure, progress;
	char credentials[512];
	unsigned int timeout_sec;
	pthread_mutex_t lock;	  /* the authorization below, shared by threads */
	char authorization[8192]; /* "Basic ..." or "Bearer ...", "" before a 401 asked */
};

struct oci_request {
	const char *method;
	const char *url;	  /* absolute, or a path below base ("/blobs/...") */
	const char *accept;	  /* Accept header or NULL */
	const char *content_type; /* of the body, or NULL */
	const void *body;
	size_t len;
	size_t max;	  /* the most answer body kept in memory */
	FILE *file;	  /* downloads: a 200 or 206 answer's body goes here */
	long long resume; /* downloads: bytes @file has (a Range asks for the rest) */
};

struct oci_answer {
	long status;
	char *body; /* NUL-terminated, may be NULL */
	size_t size;
	char location[2048];
	char digest[OCI_DIGEST_MAX]; /* Docker-Content-Digest */
	char www_auth[2048];
	long long written; /* downloads: bytes written to the file */
	bool restarted;	   /* downloads: the registry sent the whole blob again */
};

/* Perform @rq, authenticating once on a 401 with what WWW-Authenticate asks for. Transport
 * failures are errors; HTTP statuses are the caller's (see oci_status_error). */
int oci_perform(struct oci_client *c, const struct oci_request *rq, struct oci_answer *ans,
		struct eucc_error *err);
void oci_answer_free(struct oci_answer *ans);
/* An error for an unexpected status: what the registry said ({"errors":[...]}) and a hint. */
int oci_status_error(const struct oci_client *c, const char *what, const struct oci_answer *ans,
		     struct eucc_error *err);

#endif
