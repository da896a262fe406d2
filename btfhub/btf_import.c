/* SPDX-License-Identifier: Apache-2.0 */
/* btf_store_import: from what btf_source_scan finds to a file in the store and index rows. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "store_internal.h"

struct import_ctx {
	struct btf_store *store;
	const struct btf_import_opts *opts;
	const struct btf_import_cbs *cbs;
	struct eucc_error *err;
	bool tree;
	int imported;
	int failed;
};

/* A distro or version name, used as a path component: [A-Za-z0-9._+-], not starting with '.'. */
static bool name_is_safe(const char *s)
{
	if (!*s || *s == '.' || strlen(s) > 63)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._+-", *s))
			return false;
	return true;
}

/* Debian's kernel release per stable version, for releases like 5.10.0-32-cloud-amd64. */
static const char *debian_version(const char *release)
{
	static const char *const map[][2] = {
	    {"4.19", "10"}, {"5.10", "11"}, {"6.1", "12"}, {"6.12", "13"}};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (release_has_prefix(release, map[i][0]))
			return map[i][1];
	return "unknown";
}

/* Best guess of distro/version from the release string alone; "unknown" otherwise. */
static void guess_distro(const char *release, struct btf_kernel *k)
{
	const char *p;

	if ((p = strstr(release, "deb")) && isdigit((unsigned char)p[3])) {
		snprintf(k->distro, sizeof(k->distro), "debian");
		snprintf(k->version, sizeof(k->version), "%d", atoi(p + 3));
	} else if (strstr(release, "-cloud-") || strstr(release, "-amd64") ||
		   strstr(release, "-arm64")) {
		snprintf(k->distro, sizeof(k->distro), "debian");
		snprintf(k->version, sizeof(k->version), "%s", debian_version(release));
	} else if ((p = strstr(release, ".el")) && isdigit((unsigned char)p[3])) {
		snprintf(k->distro, sizeof(k->distro), "centos");
		snprintf(k->version, sizeof(k->version), "%d", atoi(p + 3));
	} else if (strstr(release, ".ky10")) {
		snprintf(k->distro, sizeof(k->distro), "kylin");
		snprintf(k->version, sizeof(k->version), "V10");
	} else if (strstr(release, "-generic") || strstr(release, "ubuntu")) {
		snprintf(k->distro, sizeof(k->distro), "ubuntu");
		snprintf(k->version, sizeof(k->version), "unknown");
	} else {
		snprintf(k->distro, sizeof(k->distro), "unknown");
		snprintf(k->version, sizeof(k->version), "unknown");
	}
}

static int pick(char *dst, size_t size, const char *opt, const char *found)
{
	const char *v = opt && *opt ? opt : found;

	snprintf(dst, size, "%s", v ? v : "");
	return *dst ? 0 : -ENOENT;
}

static int kernel_identity(const struct btf_blob *b, const struct btf_import_opts *o,
			   struct btf_kernel *k, struct eucc_error *err)
{
	const char *arch;

	if (pick(k->release, sizeof(k->release), o->release, b->release) ||
	    !release_is_valid(k->release)) {
		eucc_error_set(err, -EINVAL, EUCC_E_BAD_INPUT,
			       "%s: cannot tell the kernel release%s%s", b->origin,
			       k->release[0] ? ", not a release: " : "", k->release);
		eucc_error_hint(err, "give it with --release, e.g. --release $(uname -r)");
		return -EINVAL;
	}
	arch = o->arch && *o->arch ? arch_normalize(o->arch)
				   : (b->arch[0] ? b->arch : arch_from_release(k->release));
	if (!arch) {
		eucc_error_set(err, -EINVAL, EUCC_E_BAD_INPUT, "%s: cannot tell the architecture",
			       b->origin);
		eucc_error_hint(err,
				"give it with --arch (x86_64, arm64, s390x, ppc64le, riscv64)");
		return -EINVAL;
	}
	snprintf(k->arch, sizeof(k->arch), "%s", arch);
	guess_distro(k->release, k);
	if ((o->distro && *o->distro) || b->distro[0])
		pick(k->distro, sizeof(k->distro), o->distro, b->distro);
	if ((o->version && *o->version) || b->version[0])
		pick(k->version, sizeof(k->version), o->version, b->version);
	if (!name_is_safe(k->distro) || !name_is_safe(k->version)) {
		eucc_error_set(err, -EINVAL, EUCC_E_USAGE, "bad distro or version '%s/%s'",
			       k->distro, k->version);
		eucc_error_hint(err, "use letters, digits and . _ + - only");
		return -EINVAL;
	}
	if (o->build_id && *o->build_id && !build_id_is_valid(o->build_id)) {
		eucc_error_set(err, -EINVAL, EUCC_E_USAGE, "bad build id '%s'", o->build_id);
		eucc_error_hint(err, "give the hex digits of the kernel's GNU build id note "
				     "(/sys/kernel/notes), 2 to 128 of them, lowercase");
		return -EINVAL;
	}
	snprintf(k->build_id, sizeof(k->build_id), "%s", o->build_id ? o->build_id : "");
	snprintf(k->source, sizeof(k->source), "%s", b->format);
	return 0;
}

static int64_t count_funcs(const struct btf *btf)
{
	int n = (int)btf__type_cnt(btf);
	int64_t funcs = 0;

	for (int id = 1; id < n; id++)
		funcs += btf_is_func(btf__type_by_id(btf, id));
	return funcs;
}

static int insert_features(struct btf_store *s, int64_t id, const struct btf_features *f)
{
	sqlite3_stmt *st;
	int rc = SQLITE_DONE;

	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO kernel_features VALUES(?1,?2,?3,?4)",
			       -1, &st, NULL))
		return -EIO;
	for (size_t i = 0; i < f->count && rc == SQLITE_DONE; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int(st, 2, f->items[i].kind);
		sqlite3_bind_text(st, 3, f->items[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, f->items[i].value);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

static int insert_kernel(struct btf_store *s, struct btf_kernel *k, const char *relpath,
			 const char *origin, const struct btf_features *f)
{
	sqlite3_stmt *st;
	int known = 0, rc;

	for (int i = 0; i < BTF_FEATURE_KIND_COUNT; i++)
		known |= f->known[i] ? 1 << i : 0;
	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO kernels(release, distro, version, arch, sha256, size, "
			       "source, origin, imported_at, types, funcs, features_known, path, "
			       "build_id, header_version) "
			       "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
			       -1, &st, NULL))
		return -EIO;
	sqlite3_bind_text(st, 1, k->release, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, k->distro, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, k->version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, k->arch, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, k->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, k->size);
	sqlite3_bind_text(st, 7, k->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, k->imported_at);
	sqlite3_bind_int64(st, 10, k->types);
	sqlite3_bind_int64(st, 11, k->funcs);
	sqlite3_bind_int(st, 12, known);
	sqlite3_bind_text(st, 13, relpath, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 14, k->build_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 15, k->header_version);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -EIO;
	k->id = sqlite3_last_insert_rowid(s->db);
	return insert_features(s, k->id, f);
}

/*
 * The stored kernel @k is: 1 and *old when its release and arch are stored with the same BTF
 * (whatever build id) or under the same build id ('' for unknown), else 0.
 */
static int find_existing(struct btf_store *s, const struct btf_kernel *k, struct btf_kernel *old,
			 struct eucc_error *err)
{
	const char *params[] = {k->release, k->arch, k->sha256, k->build_id};
	struct btf_kernel *list;
	size_t n;
	int ret;

	ret = store_query_kernels(s,
				  "SELECT " KERNEL_COLUMNS " FROM kernels WHERE release = ?1 "
				  "AND arch = ?2 AND (sha256 = ?3 OR build_id = ?4) "
				  "ORDER BY sha256 = ?3 DESC",
				  params, 4, &list, &n, err);
	if (ret)
		return ret;
	if (n)
		*old = list[0];
	free(list);
	return n ? 1 : 0;
}

/* "vmlinux.h of R not made: <why>": the import of R stops there. */
static int header_failed(struct eucc_error *err, int ret, const char *release)
{
	char why[sizeof(err->message)];

	if (!err)
		return ret;
	memcpy(why, err->message, sizeof(why));
	snprintf(err->message, sizeof(err->message), "%s: its vmlinux.h cannot be made: %s",
		 release, why);
	return ret;
}

static int store_rows(struct btf_store *s, struct btf_kernel *k, const char *rel,
		      const struct btf_blob *b, const struct btf_kernel *old,
		      const struct btf_features *f)
{
	int ret = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) ? -EIO : 0;

	if (!ret && old)
		ret = store_delete_row(s, old->id);
	if (!ret)
		ret = insert_kernel(s, k, rel, b->origin, f);
	if (!ret && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL))
		ret = -EIO;
	if (ret)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

/*
 * Where @k's BTF goes: btf/<distro>/<version>/<arch>/<release>.btf, BTFHub's layout; a second
 * build of a stored release (another build id) has its build id in the name,
 * <release>.<build id>.btf (or the start of its sha256 where the build id is unknown).
 */
static int store_rel_path(struct btf_store *s, const struct btf_kernel *k,
			  const struct btf_kernel *old, char *rel, size_t size,
			  struct eucc_error *err)
{
	char path[PATH_MAX];
	struct btf_kernel *list;
	const char *params[] = {path};
	size_t n;
	int ret;

	snprintf(rel, size, "btf/%s/%s/%s/%s.btf", k->distro, k->version, k->arch, k->release);
	snprintf(path, sizeof(path), "%s", rel);
	ret = store_query_kernels(s, "SELECT " KERNEL_COLUMNS " FROM kernels WHERE path = ?1",
				  params, 1, &list, &n, err);
	if (ret)
		return ret;
	free(list);
	if (n && !(old && n == 1 && !strcmp(old->path + strlen(s->dir) + 1, rel)))
		snprintf(rel, size, "btf/%s/%s/%s/%s.%.*s.btf", k->distro, k->version, k->arch,
			 k->release, k->build_id[0] ? 128 : 16,
			 k->build_id[0] ? k->build_id : k->sha256);
	return 0;
}

/*
 * The header (to a temp file), then the BTF file, then the rows in one transaction, then the
 * header into place: a kernel whose vmlinux.h cannot be made is never indexed, and a failure
 * leaves the index as it was.
 */
static int store_commit(struct import_ctx *c, struct btf_kernel *k, const struct btf_blob *b,
			const struct btf_kernel *old, const struct btf_features *f,
			const struct btf *btf)
{
	struct btf_store *s = c->store;
	char rel[PATH_MAX], dir[PATH_MAX], header[PATH_MAX], tmp[PATH_MAX + 16];
	bool new_path;
	int ret;

	ret = store_rel_path(s, k, old, rel, sizeof(rel), c->err);
	if (ret)
		return ret;
	snprintf(k->path, sizeof(k->path), "%s/%s", s->dir, rel);
	snprintf(dir, sizeof(dir), "%s/btf/%s/%s/%s", s->dir, k->distro, k->version, k->arch);
	store_header_path(k->path, header, sizeof(header));
	new_path = !old || strcmp(old->path, k->path);
	ret = fs_mkdir_p(dir, 0755);
	if (ret)
		return eucc_error_set(c->err, ret, EUCC_E_DATA_DIR, "cannot make %s: %s", dir,
				      strerror(-ret));
	ret = store_header_make(btf, header, tmp, sizeof(tmp), c->err);
	if (ret) {
		if (new_path) /* no row points there: drop the dirs made for it */
			fs_unlink_prune(k->path, s->dir);
		return header_failed(c->err, ret, k->release);
	}
	ret = fs_write_atomic(k->path, b->data, b->size);
	if (ret) {
		unlink(tmp);
		return eucc_error_set(c->err, ret, EUCC_E_DATA_DIR, "cannot write %s: %s", k->path,
				      strerror(-ret));
	}
	ret = store_rows(s, k, rel, b, old, f);
	if (ret) {
		store_sql_error(s, c->err, "cannot add kernel");
		unlink(tmp);
		if (new_path)
			fs_unlink_prune(k->path, s->dir);
		return ret;
	}
	if (old && new_path)
		store_unlink_files(s, old->path);
	/* the new header replaces the old one in one step; then what was made from the old */
	if (rename(tmp, header)) {
		eucc_warn("%s: vmlinux.h not moved into place (%s); it is made again on first use",
			  k->release, strerror(errno));
		unlink(tmp);
		if (old && !new_path)
			store_unlink_derived(s, k->path);
	} else if (old && !new_path) {
		store_unlink_pch(k->path);
	}
	return 0;
}

/*
 * The BTF of the kernel this runs on (its release and its /sys/kernel/btf/vmlinux bytes):
 * its program types and helpers per type are then measured (docs/btf-store.md), where bpf()
 * is allowed; elsewhere the tables stay unknown.
 */
static void measure_if_running(const struct btf_kernel *k, const struct btf_blob *b,
			       const struct btf *btf, struct btf_features *f)
{
	struct utsname u;
	void *data;
	size_t len;
	bool same;
	int err;

	if (uname(&u) || strcmp(u.release, k->release) ||
	    fs_read_file("/sys/kernel/btf/vmlinux", 256 << 20, &data, &len))
		return;
	same = len == b->size && !memcmp(data, b->data, len);
	free(data);
	if (!same)
		return;
	err = btf_features_probe(btf, f);
	if (err)
		eucc_debug("%s: program types and helpers not measured: %s", k->release,
			   strerror(-err));
}

static int store_blob(struct import_ctx *c, const struct btf_blob *b, struct btf *btf)
{
	struct btf_kernel k = {0}, old;
	struct btf_features f;
	int found, ret;

	ret = kernel_identity(b, c->opts, &k, c->err);
	if (ret)
		return ret;
	eucc_sha256_hex(b->data, b->size, k.sha256);
	found = find_existing(c->store, &k, &old, c->err);
	if (found < 0)
		return found;
	if (found && !strcmp(old.sha256, k.sha256)) {
		if (c->cbs && c->cbs->done)
			c->cbs->done(&old, BTF_IMPORT_UNCHANGED, b->format, c->cbs->ctx);
		return 0;
	}
	if (found && !c->opts->replace) {
		eucc_error_set(c->err, -EEXIST, EUCC_E_CONFLICT,
			       "%s (%s) is already stored with other BTF (sha256 %.12s, new %.12s)",
			       k.release, k.arch, old.sha256, k.sha256);
		eucc_error_hint(c->err, "to replace it, import again with --replace");
		return -EEXIST;
	}
	k.size = (int64_t)b->size;
	k.types = (int64_t)btf__type_cnt(btf) - 1;
	k.funcs = count_funcs(btf);
	k.header_version = BTF_HEADER_VERSION; /* store_commit writes the header */
	k.imported_at = (int64_t)time(NULL);
	ret = btf_features_read(btf, &f);
	if (ret)
		return eucc_error_set(c->err, ret, EUCC_E_INTERNAL,
				      "%s: its feature tables cannot be read: out of memory",
				      k.release);
	measure_if_running(&k, b, btf, &f);
	ret = store_commit(c, &k, b, found ? &old : NULL, &f, btf);
	btf_features_free(&f);
	if (ret)
		return ret;
	if (c->cbs && c->cbs->done)
		c->cbs->done(&k, found ? BTF_IMPORT_REPLACED : BTF_IMPORT_ADDED, b->format,
			     c->cbs->ctx);
	return 0;
}

static int import_found(const struct btf_blob *b, void *ctx)
{
	struct import_ctx *c = ctx;
	struct eucc_error local, *saved = c->err;
	struct btf *btf = NULL;
	int ret;

	if (c->tree)
		c->err = &local;
	/* btf_source_scan hands over validated BTF only (src_emit). */
	btf = btf__new(b->data, b->size);
	ret =
	    btf ? store_blob(c, b, btf)
		: eucc_error_set(c->err, -EINVAL, EUCC_E_BAD_INPUT, "%s: not valid BTF", b->origin);
	btf__free(btf);
	c->err = saved;
	if (!ret) {
		c->imported++;
		return 0;
	}
	if (!c->tree)
		return ret;
	c->failed++;
	if (c->cbs && c->cbs->failed)
		c->cbs->failed(b->origin, &local, c->cbs->ctx);
	return 0;
}

static void import_failed(const char *path, const struct eucc_error *e, void *ctx)
{
	struct import_ctx *c = ctx;

	c->failed++;
	if (c->cbs && c->cbs->failed)
		c->cbs->failed(path, e, c->cbs->ctx);
}

int btf_store_import(struct btf_store *store, const char *path, const struct btf_import_opts *opts,
		     const struct btf_import_cbs *cbs, struct eucc_error *err)
{
	static const struct btf_import_opts no_opts = {.sz = sizeof(no_opts)};
	struct import_ctx c = {.store = store,
			       .opts = opts ? opts : &no_opts,
			       .cbs = cbs,
			       .err = err,
			       .tree = fs_is_dir(path)};
	struct btf_source_ops ops = {.found = import_found, .failed = import_failed, .ctx = &c};
	int ret;

	if (c.tree && c.opts->release && *c.opts->release)
		return eucc_error_set(err, -EINVAL, EUCC_E_USAGE,
				      "--release names one kernel, but %s is a directory", path);
	if (c.opts->arch && *c.opts->arch && !arch_normalize(c.opts->arch))
		return eucc_error_set(err, -EINVAL, EUCC_E_USAGE, "unknown architecture '%s'",
				      c.opts->arch);
	pthread_mutex_lock(&store->write_lock);
	ret = btf_source_scan(path, &ops, err);
	pthread_mutex_unlock(&store->write_lock);
	if (ret < 0)
		return ret;
	if (c.failed) {
		eucc_error_set(err, -EINVAL, EUCC_E_BAD_INPUT,
			       "%s: %d file(s) could not be imported", path, c.failed);
		return -EINVAL;
	}
	return c.imported;
}
