/* SPDX-License-Identifier: Apache-2.0 */
/* The stored kernels' vmlinux.h files: written at import, made on first use when lost, and
 * written again when the store holds one of an older format (BTF_HEADER_VERSION). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "store_internal.h"

void store_header_path(const char *btf_path, char *buf, size_t size)
{
	snprintf(buf, size, "%.*s.h", (int)(strlen(btf_path) - 4), btf_path);
}

int store_header_make(const struct btf *btf, const char *path, char *tmp, size_t size,
		      struct eucc_error *err)
{
	const char *slash = strrchr(path, '/');
	FILE *f;
	int fd, ret;

	if (slash)
		snprintf(tmp, size, "%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1);
	else
		snprintf(tmp, size, ".%s.XXXXXX", path);
	fd = mkstemp(tmp);
	ret = fd < 0 ? -errno : fs_settle(fd, path, 0644); /* readable by the server's user */
	f = ret ? NULL : fdopen(fd, "w");
	if (!f) {
		ret = ret ? ret : -errno;
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return eucc_error_set(err, ret, EUCC_E_STORE, "cannot write %s: %s", tmp,
				      strerror(-ret));
	}
	ret = btf_header_write(btf, f, err);
	if (fflush(f) || fsync(fileno(f)))
		ret = ret ? ret : eucc_error_set(err, -errno, EUCC_E_STORE, "cannot write %s", tmp);
	fclose(f);
	if (ret)
		unlink(tmp);
	return ret;
}

int btf_store_header(struct btf_store *store, const struct btf_kernel *k, char *path, size_t size,
		     struct eucc_error *err)
{
	char tmp[PATH_MAX + 16];
	struct btf *btf;
	int ret;

	store_header_path(k->path, path, size);
	if (access(path, R_OK) == 0)
		return 0;
	ret = btf_store_load(store, k, &btf, err);
	if (ret)
		return ret;
	ret = store_header_make(btf, path, tmp, sizeof(tmp), err);
	btf__free(btf);
	if (!ret && rename(tmp, path)) {
		ret = eucc_error_set(err, -errno, EUCC_E_STORE, "cannot write %s", path);
		unlink(tmp);
	}
	return ret;
}

/* The header is out of date: written by an older writer (or one of unknown version), or lost. */
static bool header_stale(const struct btf_kernel *k)
{
	char path[PATH_MAX];

	if (k->header_version < BTF_HEADER_VERSION)
		return true;
	store_header_path(k->path, path, sizeof(path));
	return access(path, R_OK) != 0;
}

/*
 * Put @tmp in place as @k's header, in one write transaction of the index (an import by
 * another process waits for it): when the row is still @k's (same id and BTF), the header is
 * renamed over the old one (a compile reading it has the old file open or opens the new one),
 * the precompiled headers made from the old one are removed, then the version is recorded.
 * A crash before the commit leaves the old version recorded: the header is made again.
 * 1: @k was replaced or removed meanwhile, nothing done.
 */
static int header_install(struct btf_store *s, const struct btf_kernel *k, const char *tmp,
			  const char *path, struct eucc_error *err)
{
	sqlite3_stmt *st;
	int ret = 0, rc;

	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL))
		return store_sql_error(s, err, "cannot record the vmlinux.h format");
	if (sqlite3_prepare_v2(
		s->db, "UPDATE kernels SET header_version = ?1 WHERE id = ?2 AND sha256 = ?3", -1,
		&st, NULL)) {
		ret = store_sql_error(s, err, "cannot record the vmlinux.h format");
		goto out;
	}
	sqlite3_bind_int(st, 1, BTF_HEADER_VERSION);
	sqlite3_bind_int64(st, 2, k->id);
	sqlite3_bind_text(st, 3, k->sha256, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		ret = store_sql_error(s, err, "cannot record the vmlinux.h format");
	else if (!sqlite3_changes(s->db))
		ret = 1;
	else if (rename(tmp, path))
		ret = eucc_error_set(err, -errno, EUCC_E_STORE, "cannot write %s: %s", path,
				     strerror(errno));
	else
		store_unlink_pch(k->path);
out:
	if (ret || sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL)) {
		if (!ret)
			ret = store_sql_error(s, err, "cannot record the vmlinux.h format");
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	}
	return ret;
}

static int header_remake(struct btf_store *s, const struct btf_kernel *k, struct eucc_error *err)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16];
	struct btf *btf;
	int ret;

	ret = btf_store_load(s, k, &btf, err);
	if (ret)
		return ret;
	store_header_path(k->path, path, sizeof(path));
	ret = store_header_make(btf, path, tmp, sizeof(tmp), err);
	btf__free(btf);
	if (ret)
		return ret;
	pthread_mutex_lock(&s->write_lock);
	ret = header_install(s, k, tmp, path, err);
	pthread_mutex_unlock(&s->write_lock);
	if (ret)
		unlink(tmp);
	return ret;
}

int btf_store_refresh_headers(struct btf_store *store, struct btf_refresh_stats *stats,
			      struct eucc_error *err)
{
	struct btf_kernel *ks = NULL;
	size_t n = 0;
	int ret;

	memset(stats, 0, sizeof(*stats));
	ret = store_query_kernels(store, "SELECT " KERNEL_COLUMNS " FROM kernels ORDER BY id", NULL,
				  0, &ks, &n, err);
	if (ret)
		return ret;
	stats->checked = (unsigned int)n;
	for (size_t i = 0; i < n; i++) {
		struct eucc_error why = {0};

		if (!header_stale(&ks[i]))
			continue;
		ret = header_remake(store, &ks[i], &why);
		if (ret < 0) {
			stats->failed++;
			eucc_warn("%s (%s): vmlinux.h of format %d not written again: %s",
				  ks[i].release, ks[i].arch, ks[i].header_version, why.message);
		} else if (ret == 0) {
			stats->remade++;
			eucc_debug("%s (%s): vmlinux.h written again (format %d, was %d)",
				   ks[i].release, ks[i].arch, BTF_HEADER_VERSION,
				   ks[i].header_version);
		}
	}
	free(ks);
	return 0;
}
