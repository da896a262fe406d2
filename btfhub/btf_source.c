/* SPDX-License-Identifier: Apache-2.0 */
/*
 * btf_source: find raw BTF in whatever a fleet operator has.
 *
 * This file: the entry points, the dispatcher (by content), BTF validation, the metadata
 * helpers and the directory walk. The layers live in btf_source_kernel.c (ELF, kernel
 * images, pahole) and btf_source_archive.c (compression, tar, .deb).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <bpf/btf.h>

#include "btf_source_internal.h"

#define BTF_HDR_MIN 24
#define SYS_BTF	    "/sys/kernel/btf/vmlinux"
#define WALK_DEPTH  16

/* ---- errors and metadata ---------------------------------------------------------------- */

void src_error_prefix(struct eucc_error *e, const char *origin)
{
	char msg[sizeof(e->message)];

	if (!e)
		return;
	memcpy(msg, e->message, sizeof(msg));
	if (snprintf(e->message, sizeof(e->message), "%s: %s", origin, msg) < 0)
		e->message[0] = '\0';
}

void src_hex_prefix(const void *data, size_t size, char *out, size_t outsz)
{
	const uint8_t *p = data;
	size_t n = size < 8 ? size : 8, used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && used + 4 < outsz; i++)
		used += (size_t)snprintf(out + used, outsz - used, "%s%02x", i ? " " : "", p[i]);
}

void src_meta_child(struct src_meta *child, const struct src_meta *parent, const char *member)
{
	char origin[sizeof(child->origin)];

	if (child != parent)
		*child = *parent;
	child->depth++;
	child->disk_path = NULL;
	if (!member)
		return;
	while (!strncmp(member, "./", 2))
		member += 2;
	memcpy(origin, child->origin, sizeof(origin));
	if (snprintf(child->origin, sizeof(child->origin), "%s:%s", origin, member) < 0)
		child->origin[0] = '\0';
	src_release_from_name(member, child->release, sizeof(child->release));
}

void src_meta_kind(struct src_meta *m, const char *kind)
{
	if (!m->kind[0])
		snprintf(m->kind, sizeof(m->kind), "%s", kind);
}

bool src_release_from_name(const char *name, char *out, size_t size)
{
	const char *base = strrchr(name, '/');
	char buf[256];
	char *cut;

	base = base ? base + 1 : name;
	if (!strncmp(base, "vmlinuz-", 8) || !strncmp(base, "vmlinux-", 8))
		base += 8;
	else if (!strstr(base, ".btf"))
		return false;
	snprintf(buf, sizeof(buf), "%s", base);
	cut = strstr(buf, ".btf.");
	if (cut)
		*cut = '\0';
	else if (str_has_suffix(buf, ".btf"))
		buf[strlen(buf) - 4] = '\0';
	if (!release_is_valid(buf))
		return false;
	snprintf(out, size, "%s", buf);
	return true;
}

bool src_release_from_banner(const void *data, size_t size, char *out, size_t outsz)
{
	static const char banner[] = "Linux version ";
	const char *p = data, *end = p + size;

	while ((p = memmem(p, (size_t)(end - p), banner, sizeof(banner) - 1))) {
		const char *r = p + sizeof(banner) - 1;
		size_t n = 0;
		char rel[256];

		while (r + n < end && n < sizeof(rel) - 1 && r[n] != ' ' && r[n] != '\0')
			n++;
		p = r;
		if (r + n + 1 >= end || r[n] != ' ' || r[n + 1] != '(')
			continue;
		memcpy(rel, r, n);
		rel[n] = '\0';
		if (!release_is_valid(rel))
			continue;
		snprintf(out, outsz, "%s", rel);
		return true;
	}
	return false;
}

/* ---- BTF validation --------------------------------------------------------------------- */

static int btf_truncated(struct eucc_error *err, uint64_t want, size_t have)
{
	eucc_error_set(err, -EINVAL, EUCC_E_BAD_INPUT,
		       "truncated BTF: header says %llu bytes, file has %zu",
		       (unsigned long long)want, have);
	eucc_error_hint(err, "the file was cut short (an interrupted copy or download?): "
			     "get it again");
	return -EINVAL;
}

int src_btf_header_check(const void *data, size_t size, uint64_t *total, struct eucc_error *err)
{
	const uint8_t *p = data;
	uint64_t types, strs;
	uint32_t hdr_len;
	bool be;

	if (!size)
		return eucc_error_set(err, -EINVAL, EUCC_E_BAD_INPUT,
				      "empty file: no BTF in 0 bytes");
	if (size >= 2 && p[0] == 0x9f && p[1] == 0xeb)
		be = false;
	else if (size >= 2 && p[0] == 0xeb && p[1] == 0x9f)
		be = true;
	else {
		eucc_error_set(
		    err, -EINVAL, EUCC_E_BAD_INPUT,
		    "not BTF: it starts with %02x %02x, BTF starts with its magic 0xeB9F", p[0],
		    size > 1 ? p[1] : 0);
		eucc_error_hint(err, "give raw BTF (e.g. /sys/kernel/btf/vmlinux), or a kernel "
				     "image, vmlinux, BTFHub tarball or .deb to extract it from");
		return -EINVAL;
	}
	if (size < BTF_HDR_MIN)
		return btf_truncated(err, BTF_HDR_MIN, size);
	if (p[2] != 1)
		return eucc_error_set(err, -EINVAL, EUCC_E_BAD_INPUT,
				      "unsupported BTF version %u (libbpf reads version 1)", p[2]);
	hdr_len = src_rd32(p + 4, be);
	if (hdr_len < BTF_HDR_MIN)
		return eucc_error_set(err, -EINVAL, EUCC_E_BAD_INPUT,
				      "corrupt BTF header: its length is %u, at least %d expected",
				      hdr_len, BTF_HDR_MIN);
	if (hdr_len > size)
		return btf_truncated(err, hdr_len, size);
	types = (uint64_t)src_rd32(p + 8, be) + src_rd32(p + 12, be);
	strs = (uint64_t)src_rd32(p + 16, be) + src_rd32(p + 20, be);
	*total = hdr_len + (types > strs ? types : strs);
	if (*total > size)
		return btf_truncated(err, *total, size);
	return 0;
}

/* Validate @data (btf_source_validate.c) and, if @out, hand back libbpf's parse of it. */
static int src_btf_check(const void *data, size_t size, struct btf **out, struct eucc_error *err)
{
	struct btf *btf;
	int rc;

	rc = btf_source_validate(data, size, err);
	if (rc)
		return rc;
	btf = btf__new(data, (uint32_t)size);
	if (!btf) {
		rc = errno ? -errno : -EINVAL;
		eucc_error_set(err, -EINVAL, EUCC_E_BAD_INPUT,
			       "corrupt BTF: libbpf cannot parse it (%s): the header is fine but "
			       "the type or string data is not",
			       strerror(-rc));
		eucc_error_hint(err, "extract the BTF again from the kernel it came from; "
				     "`bpftool btf dump file FILE` shows where it breaks");
		return -EINVAL;
	}
	if (out)
		*out = btf;
	else
		btf__free(btf);
	return 0;
}

/* ---- emitting a blob -------------------------------------------------------------------- */

static void src_blob_fill(struct btf_blob *b, const struct src_meta *m, const char *kind,
			  const struct btf *btf)
{
	const char *arch = NULL;

	snprintf(b->release, sizeof(b->release), "%s", m->release);
	snprintf(b->distro, sizeof(b->distro), "%s", m->distro);
	snprintf(b->version, sizeof(b->version), "%s", m->version);
	snprintf(b->origin, sizeof(b->origin), "%s", m->origin);
	snprintf(b->format, sizeof(b->format), "%s%s%s%s", m->prefix, m->kind[0] ? m->kind : kind,
		 m->comp[0] ? "/" : "", m->comp);
	if (m->arch[0])
		arch = m->arch;
	else if (m->arch_hint[0])
		arch = m->arch_hint;
	if (!arch && m->release[0])
		arch = arch_from_release(m->release);
	if (!arch)
		arch = src_arch_from_btf(btf);
	snprintf(b->arch, sizeof(b->arch), "%s", arch ? arch : "");
}

/* Validate the BTF, report it to ops->found. Returns 1, or a negative errno. */
int src_emit(struct src_scan *sc, const struct src_meta *m, const char *kind, const void *data,
	     size_t size)
{
	struct btf_blob blob;
	struct btf *btf = NULL;
	int rc;

	rc = src_btf_check(data, size, &btf, sc->err);
	if (rc) {
		src_error_prefix(sc->err, m->origin);
		return rc;
	}
	memset(&blob, 0, sizeof(blob));
	blob.data = data;
	blob.size = size;
	src_blob_fill(&blob, m, kind, btf);
	btf__free(btf);
	if (sc->ops && sc->ops->found) {
		/* The callback may fill @err itself; keep what it says. */
		eucc_error_clear(sc->err);
		rc = sc->ops->found(&blob, sc->ops->ctx);
		if (rc < 0) {
			sc->stopped = true;
			if (!sc->err || !sc->err->err)
				eucc_error_set(sc->err, rc, EUCC_E_IMPORT_FAILED,
					       "%s: import stopped: %s", m->origin, strerror(-rc));
			return rc;
		}
	}
	sc->found++;
	return 1;
}

/* ---- dispatch --------------------------------------------------------------------------- */

static bool src_is_btf(const void *data, size_t size)
{
	const uint8_t *p = data;

	return size >= 2 && ((p[0] == 0x9f && p[1] == 0xeb) || (p[0] == 0xeb && p[1] == 0x9f));
}

static int src_unknown(struct src_scan *sc, const struct src_meta *m, const void *data, size_t size)
{
	char hex[40];

	src_hex_prefix(data, size, hex, sizeof(hex));
	eucc_error_set(sc->err, -EINVAL, EUCC_E_BAD_INPUT,
		       "%s: not BTF, ELF, a kernel image, a BTFHub tarball or a .deb "
		       "(first bytes: %s)",
		       m->origin, hex);
	eucc_error_hint(sc->err, "give raw BTF (/sys/kernel/btf/vmlinux), a vmlinux, a bzImage "
				 "or arm64 Image(.gz), a <release>.btf.tar.xz, a linux-image .deb, "
				 "or a directory of them");
	return -EINVAL;
}

int src_dispatch(struct src_scan *sc, const struct src_meta *m, const void *data, size_t size)
{
	const char *comp;

	if (m->depth > SRC_MAX_DEPTH)
		return eucc_error_set(sc->err, -EINVAL, EUCC_E_BAD_INPUT,
				      "%s: packed more than %d layers deep: not a kernel source",
				      m->origin, SRC_MAX_DEPTH);
	if (!size) {
		eucc_error_set(sc->err, -EINVAL, EUCC_E_BAD_INPUT, "%s: empty file", m->origin);
		eucc_error_hint(sc->err, "the file has no data: was a copy or download cut short?");
		return -EINVAL;
	}
	if (src_is_btf(data, size))
		return src_emit(sc, m, "raw", data, size);
	if (src_is_elf(data, size))
		return src_elf(sc, m, data, size);
	if (src_is_bzimage(data, size))
		return src_bzimage(sc, m, data, size);
	if (src_is_arm64_image(data, size))
		return src_arm64_image(sc, m, data, size);
	if (src_is_zboot(data, size))
		return src_zboot(sc, m, data, size);
	if (src_is_ar(data, size))
		return src_deb(sc, m, data, size);
	if (src_is_tar(data, size))
		return src_tar(sc, m, data, size);
	comp = src_compression(data, size);
	if (comp)
		return src_decompressed(sc, m, comp, data, size);
	if (src_release_from_banner(data, size, (char[256]){0}, 256))
		return src_kernel_image(sc, m, data, size);
	return src_unknown(sc, m, data, size);
}

/* ---- files ------------------------------------------------------------------------------ */

/* The running kernel's BTF is named after nothing: its release is uname's. */
static void src_sys_release(const char *path, struct src_meta *m)
{
	char real[PATH_MAX];
	struct utsname u;

	if (m->release[0] || !realpath(path, real) || strcmp(real, SYS_BTF) || uname(&u))
		return;
	if (release_is_valid(u.release))
		snprintf(m->release, sizeof(m->release), "%s", u.release);
}

/* Scan one file; @tree (or NULL) holds what its place in a tree says. */
static int src_scan_file(struct src_scan *sc, const char *path, const struct src_meta *tree)
{
	struct src_meta m;
	void *data = NULL;
	size_t size = 0;
	int rc;

	if (tree)
		m = *tree;
	else
		memset(&m, 0, sizeof(m));
	snprintf(m.origin, sizeof(m.origin), "%s", path);
	m.disk_path = path;
	src_release_from_name(path, m.release, sizeof(m.release));
	src_sys_release(path, &m);
	rc = fs_read_file(path, SRC_MAX_SIZE, &data, &size);
	if (rc == -EFBIG)
		return eucc_error_set(sc->err, rc, EUCC_E_BAD_INPUT, "%s: larger than %zu MiB",
				      path, SRC_MAX_SIZE >> 20);
	if (rc)
		return eucc_error_set(sc->err, rc, EUCC_E_BAD_INPUT, "%s: cannot read: %s", path,
				      strerror(-rc));
	src_room_init(&sc->room, size);
	rc = src_dispatch(sc, &m, data, size);
	free(data);
	return rc;
}

/* ---- directory trees -------------------------------------------------------------------- */

struct src_walk {
	struct src_scan *sc;
	char root[PATH_MAX]; /* real path of the tree */
	int tried;
	int failed;
	struct eucc_error first; /* the first failure, for when nothing could be imported */
};

static bool src_name_importable(const char *name)
{
	static const char *const not_kernels[] = {".h",	  ".c",	     ".txt", ".md",  ".sig",
						  ".asc", ".sha256", ".sum", ".map", ".config"};

	if (name[0] == '.')
		return false;
	if (str_has_suffix(name, ".btf") || strstr(name, ".btf.") || str_has_suffix(name, ".deb") ||
	    str_has_suffix(name, ".ddeb"))
		return true;
	if (strncmp(name, "vmlinux", 7) && strncmp(name, "vmlinuz", 7) && strncmp(name, "Image", 5))
		return false;
	for (size_t i = 0; i < sizeof(not_kernels) / sizeof(not_kernels[0]); i++)
		if (str_has_suffix(name, not_kernels[i]))
			return false;
	return true;
}

/* <distro>/<version>/<arch>/<file>: @rel is the file's path under the root. */
static void src_tree_meta(const char *rel, struct src_meta *m)
{
	char buf[PATH_MAX], *parts[WALK_DEPTH + 2], *save = NULL, *tok;
	const char *arch;
	int n = 0;

	memset(m, 0, sizeof(*m));
	snprintf(buf, sizeof(buf), "%s", rel);
	for (tok = strtok_r(buf, "/", &save); tok && n < WALK_DEPTH + 2;
	     tok = strtok_r(NULL, "/", &save))
		parts[n++] = tok;
	n--; /* the file */
	if (n < 3)
		return;
	arch = arch_normalize(parts[n - 1]);
	if (!arch && n != 3)
		return;
	snprintf(m->distro, sizeof(m->distro), "%s", parts[n - 3]);
	snprintf(m->version, sizeof(m->version), "%s", parts[n - 2]);
	if (arch)
		snprintf(m->arch_hint, sizeof(m->arch_hint), "%s", arch);
}

static int src_walk_file(struct src_walk *w, const char *path, const char *rel)
{
	struct eucc_error *outer = w->sc->err, e;
	struct src_meta tree;
	int rc;

	w->tried++;
	src_tree_meta(rel, &tree);
	eucc_error_clear(&e);
	w->sc->err = &e;
	rc = src_scan_file(w->sc, path, &tree);
	w->sc->err = outer;
	if (rc >= 0)
		return 0;
	if (w->sc->stopped) {
		if (outer)
			*outer = e;
		return rc;
	}
	if (!w->failed++)
		w->first = e;
	if (w->sc->ops && w->sc->ops->failed)
		w->sc->ops->failed(path, &e, w->sc->ops->ctx);
	return 0;
}

/* A symlink is followed only to a regular file inside the tree. */
static bool src_link_ok(const struct src_walk *w, const char *path)
{
	char real[PATH_MAX];
	size_t n = strlen(w->root);
	struct stat st;

	if (!realpath(path, real) || stat(real, &st) || !S_ISREG(st.st_mode))
		return false;
	return !strncmp(real, w->root, n) && (real[n] == '/' || !strcmp(w->root, "/"));
}

static int src_walk_dir(struct src_walk *w, const char *dir, const char *rel, int depth);

static int src_walk_entry(struct src_walk *w, const char *dir, const char *rel, const char *name,
			  int depth)
{
	char path[PATH_MAX], sub[PATH_MAX];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
	    snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", name) >= (int)sizeof(sub))
		return 0;
	if (lstat(path, &st))
		return 0;
	if (S_ISDIR(st.st_mode))
		return depth < WALK_DEPTH ? src_walk_dir(w, path, sub, depth + 1) : 0;
	if (!src_name_importable(name))
		return 0;
	if (S_ISLNK(st.st_mode) && !src_link_ok(w, path)) {
		eucc_debug("%s: a symlink out of the tree or not to a file: skipped", path);
		return 0;
	}
	if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		return 0;
	return src_walk_file(w, path, sub);
}

static int src_dirent_keep(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int src_dirent_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int src_walk_dir(struct src_walk *w, const char *dir, const char *rel, int depth)
{
	struct dirent **names;
	int n, i, rc = 0;

	n = scandir(dir, &names, src_dirent_keep, src_dirent_cmp);
	if (n < 0) {
		eucc_warn("%s: cannot list: %s", dir, strerror(errno));
		return 0;
	}
	for (i = 0; i < n && rc >= 0; i++)
		rc = src_walk_entry(w, dir, rel, names[i]->d_name, depth);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static int src_walk(struct src_scan *sc, const char *path)
{
	struct src_walk *w;
	int rc;

	w = calloc(1, sizeof(*w));
	if (!w)
		return eucc_error_set(sc->err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	w->sc = sc;
	if (!realpath(path, w->root))
		snprintf(w->root, sizeof(w->root), "%s", path);
	rc = src_walk_dir(w, path, "", 0);
	if (rc >= 0 && !w->tried) {
		rc = eucc_error_set(sc->err, -EINVAL, EUCC_E_BAD_INPUT,
				    "%s: nothing importable in this directory (looked for *.btf, "
				    "*.btf.tar.*, vmlinux*, vmlinuz*, Image*, *.deb)",
				    path);
		eucc_error_hint(sc->err, "point at a BTFHub archive tree or at a kernel file");
	} else if (rc >= 0 && !sc->found) {
		rc =
		    eucc_error_set(sc->err, w->first.err ? w->first.err : -EINVAL, EUCC_E_BAD_INPUT,
				   "%s: none of its %d kernel files could be imported; the first: "
				   "%.700s",
				   path, w->tried, w->first.message);
		eucc_error_hint(sc->err, "%s", w->first.hint);
	} else if (rc >= 0) {
		rc = sc->found;
	}
	free(w);
	return rc;
}

/* ---- entry point ------------------------------------------------------------------------ */

int btf_source_scan(const char *path, const struct btf_source_ops *ops, struct eucc_error *err)
{
	struct src_scan sc = {.ops = ops, .err = err};
	struct stat st;
	int rc;

	if (!path || !*path)
		return eucc_error_set(err, -EINVAL, EUCC_E_USAGE, "no BTF source given");
	if (stat(path, &st)) {
		rc = -errno;
		eucc_error_set(err, rc, EUCC_E_BAD_INPUT, "%s: %s", path, strerror(-rc));
		eucc_error_hint(err, "give a BTF file, a kernel image or package, a BTFHub tarball "
				     "or a directory of them");
		return rc;
	}
	if (S_ISDIR(st.st_mode))
		return src_walk(&sc, path);
	if (!S_ISREG(st.st_mode))
		return eucc_error_set(err, -EINVAL, EUCC_E_BAD_INPUT,
				      "%s: not a regular file or a directory", path);
	rc = src_scan_file(&sc, path, NULL);
	return rc < 0 ? rc : sc.found;
}

int btf_source_scan_buffer(const void *data, size_t size, const char *name,
			   const struct btf_source_ops *ops, struct eucc_error *err)
{
	struct src_scan sc = {.ops = ops, .err = err};
	struct src_meta m = {0};
	int rc;

	if (!data && size)
		return eucc_error_set(err, -EINVAL, EUCC_E_USAGE, "no data given");
	snprintf(m.origin, sizeof(m.origin), "%s", name && *name ? name : "(buffer)");
	if (name)
		src_release_from_name(name, m.release, sizeof(m.release));
	src_room_init(&sc.room, size);
	rc = src_dispatch(&sc, &m, data, size);
	return rc < 0 ? rc : sc.found;
}
