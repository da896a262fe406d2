/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the btfhub/ files that touch the index; not part of the module's interface. */
#ifndef EUCC_BTFHUB_STORE_INTERNAL_H
#define EUCC_BTFHUB_STORE_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>

#include "btfhub.h"

struct btf_store {
	sqlite3 *db;		    /* one connection, serialized mode: safe from any thread */
	pthread_mutex_t write_lock; /* one import or removal at a time (write transactions) */
	char dir[PATH_MAX];
};

/* Columns every kernel query selects, in the order kernel_from_row reads them. */
#define KERNEL_COLUMNS                                                                             \
	"id, release, distro, version, arch, sha256, size, source, imported_at, types, funcs, "    \
	"path, build_id, header_version"

void kernel_from_row(const struct btf_store *store, sqlite3_stmt *st, struct btf_kernel *k);
int store_sql_error(const struct btf_store *store, struct eucc_error *err, const char *what);
/* Run a query bound with text parameters (NULL binds NULL); collect kernels. */
int store_query_kernels(struct btf_store *store, const char *sql, const char *const *params,
			int nparams, struct btf_kernel **out, size_t *count,
			struct eucc_error *err);

/* Delete a kernel's index row (its features go with it); the files stay. */
int store_delete_row(struct btf_store *store, int64_t id);
/* Remove a stored kernel's vmlinux.h and what was derived from it (precompiled headers). */
void store_unlink_derived(struct btf_store *store, const char *btf_path);
/* Remove the precompiled headers made from a stored kernel's vmlinux.h (<release>.h.*). */
void store_unlink_pch(const char *btf_path);
/* Remove a stored .btf, its vmlinux.h, and the dirs this leaves empty. */
void store_unlink_files(struct btf_store *store, const char *btf_path);

/* The vmlinux.h beside a stored .btf: <release>.h. */
void store_header_path(const char *btf_path, char *buf, size_t size);
/*
 * The vmlinux.h of @btf (btf_header_write) in a temp file beside @path, written and fsynced:
 * ".<name>.XXXXXX", which neither the tree walk nor the "<release>.h*" clean-up matches. The
 * caller renames @tmp into place or unlinks it.
 */
int store_header_make(const struct btf *btf, const char *path, char *tmp, size_t size,
		      struct eucc_error *err);

#endif
