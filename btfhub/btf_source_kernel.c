/* SPDX-License-Identifier: Apache-2.0 */
/*
 * btf_source_kernel: BTF from kernel binaries.
 *
 *  - ELF vmlinux: its .BTF section; without one, BTF made by pahole from its DWARF;
 *  - x86 bzImage: the compressed payload the setup header points at, a vmlinux ELF;
 *  - arm64 Image (and EFI zboot images): no sections, so a scan for the BTF header;
 *  - any other image with a kernel banner: the same scan.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "btf_source_internal.h"

#ifndef EUCC_PAHOLE
#define EUCC_PAHOLE "pahole"
#endif
#ifndef EM_LOONGARCH
#define EM_LOONGARCH 258
#endif

extern char **environ;

/* ---- ELF -------------------------------------------------------------------------------- */

bool src_is_elf(const void *data, size_t size)
{
	return size >= EI_NIDENT && !memcmp(data, ELFMAG, SELFMAG);
}

static const char *src_arch_from_machine(unsigned int machine, unsigned int ei_data)
{
	switch (machine) {
	case EM_X86_64:
		return arch_normalize("x86_64");
	case EM_AARCH64:
		return arch_normalize("arm64");
	case EM_S390:
		return arch_normalize("s390x");
	case EM_PPC64:
		return ei_data == ELFDATA2LSB ? arch_normalize("ppc64le") : NULL;
	case EM_RISCV:
		return arch_normalize("riscv64");
	case EM_LOONGARCH:
		return arch_normalize("loongarch64");
	default:
		return NULL;
	}
}

struct src_elf_info {
	const char *arch;
	size_t btf_off, btf_size;
	bool has_btf, has_dwarf, is_module;
};

static int src_elf_truncated(struct eucc_error *err, const char *origin, uint64_t end, size_t size)
{
	eucc_error_set(err, -EINVAL, EUCC_E_BAD_INPUT,
		       "%s: truncated ELF: its .BTF section ends at %llu, the file has %zu bytes",
		       origin, (unsigned long long)end, size);
	eucc_error_hint(err, "the file was cut short (an interrupted copy or download?): "
			     "get it again");
	return -EINVAL;
}

static int src_elf_sections(Elf *e, size_t size, struct src_elf_info *info, const char *origin,
			    struct eucc_error *err)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(e, &shstrndx))
		return eucc_error_set(err, -EINVAL, EUCC_E_BAD_INPUT, "%s: broken ELF: %s", origin,
				      elf_errmsg(-1));
	while ((scn = elf_nextscn(e, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (!name)
			continue;
		if (!strcmp(name, ".debug_info") || !strcmp(name, ".zdebug_info"))
			info->has_dwarf = true;
		else if (!strcmp(name, ".modinfo"))
			info->is_module = true;
		if (strcmp(name, ".BTF") || sh.sh_type == SHT_NOBITS)
			continue;
		if (sh.sh_offset > size || sh.sh_size > size - sh.sh_offset)
			return src_elf_truncated(err, origin, sh.sh_offset + sh.sh_size, size);
		info->has_btf = true;
		info->btf_off = sh.sh_offset;
		info->btf_size = sh.sh_size;
	}
	return 0;
}

static int src_elf_inspect(const void *data, size_t size, struct src_elf_info *info,
			   const char *origin, struct eucc_error *err)
{
	GElf_Ehdr eh;
	Elf *e;
	int rc;

	memset(info, 0, sizeof(*info));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return eucc_error_set(err, -EINVAL, EUCC_E_INTERNAL, "libelf: %s", elf_errmsg(-1));
	/* libelf reads the image in place; it does not write to it. */
	e = elf_memory((char *)data, size);
	if (!e)
		return eucc_error_set(err, -EINVAL, EUCC_E_BAD_INPUT, "%s: broken ELF: %s", origin,
				      elf_errmsg(-1));
	if (!gelf_getehdr(e, &eh)) {
		rc = eucc_error_set(err, -EINVAL, EUCC_E_BAD_INPUT, "%s: broken ELF header: %s",
				    origin, elf_errmsg(-1));
	} else {
		info->arch = src_arch_from_machine(eh.e_machine, eh.e_ident[EI_DATA]);
		rc = src_elf_sections(e, size, info, origin, err);
	}
	elf_end(e);
	return rc;
}

static int src_pahole(struct src_scan *sc, const struct src_meta *m, const void *data, size_t size);

int src_elf(struct src_scan *sc, const struct src_meta *pm, const void *data, size_t size)
{
	struct src_elf_info info;
	struct src_meta m = *pm;
	int rc;

	rc = src_elf_inspect(data, size, &info, m.origin, sc->err);
	if (rc)
		return rc;
	if (info.arch)
		snprintf(m.arch, sizeof(m.arch), "%s", info.arch);
	if (!m.release[0])
		src_release_from_banner(data, size, m.release, sizeof(m.release));
	if (info.has_btf && info.is_module) {
		eucc_error_set(sc->err, -EINVAL, EUCC_E_BAD_INPUT,
			       "%s: a kernel module: its .BTF is split BTF, an addition to the "
			       "kernel's own",
			       m.origin);
		eucc_error_hint(sc->err, "import the kernel's vmlinux (or its vmlinuz) instead");
		return -EINVAL;
	}
	if (info.has_btf)
		return src_emit(sc, &m, "elf", (const char *)data + info.btf_off, info.btf_size);
	if (info.has_dwarf)
		return src_pahole(sc, &m, data, size);
	eucc_error_set(sc->err, -EINVAL, EUCC_E_BAD_INPUT,
		       "%s: ELF with no .BTF section and no DWARF: build the kernel with "
		       "CONFIG_DEBUG_INFO_BTF=y or give its vmlinux with debug info",
		       m.origin);
	eucc_error_hint(sc->err, "distributions ship the vmlinux with debug info in a separate "
				 "package (linux-image-*-dbg, kernel-debuginfo)");
	return -EINVAL;
}

/* ---- pahole ----------------------------------------------------------------------------- */

static int src_write_file(const char *path, const void *data, size_t size)
{
	const char *p = data;
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (size) {
		ssize_t n = write(fd, p, size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			break;
		}
		p += n;
		size -= (size_t)n;
	}
	if (close(fd) && !rc)
		rc = -errno;
	return rc;
}

/* Run pahole; returns its exit status, or a negative errno if it could not be started. */
static int src_run_pahole(const char *input, const char *out, const char *log)
{
	char opt[PATH_MAX + 32];
	char *argv[] = {"pahole", opt, (char *)input, NULL};
	posix_spawn_file_actions_t fa;
	int rc, status;
	pid_t pid;

	snprintf(opt, sizeof(opt), "--btf_encode_detached=%s", out);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	rc = posix_spawn(&pid, EUCC_PAHOLE, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		return -rc;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* The last line pahole printed, for the error message. */
static void src_log_tail(const char *log, char *out, size_t size)
{
	void *buf = NULL;
	size_t len = 0;
	char *s, *nl;

	snprintf(out, size, "no output");
	if (fs_read_file(log, 1 << 20, &buf, &len) || !len) {
		free(buf);
		return;
	}
	s = buf;
	while (len && (s[len - 1] == '\n' || s[len - 1] == ' '))
		s[--len] = '\0';
	nl = strrchr(s, '\n');
	if (len)
		snprintf(out, size, "%s", nl ? nl + 1 : s);
	free(buf);
}

static int src_pahole_failed(struct src_scan *sc, const struct src_meta *m, int status,
			     const char *log)
{
	char tail[300];

	if (status < 0) {
		eucc_error_set(sc->err, status, EUCC_E_INTERNAL, "%s: cannot run %s: %s", m->origin,
			       EUCC_PAHOLE, strerror(-status));
		eucc_error_hint(sc->err, "install pahole (package dwarves) to make BTF from DWARF");
		return status;
	}
	src_log_tail(log, tail, sizeof(tail));
	eucc_error_set(sc->err, -EINVAL, EUCC_E_BAD_INPUT,
		       "%s: pahole could not make BTF from its DWARF (exit %d): %s", m->origin,
		       status, tail);
	eucc_error_hint(sc->err, "check the file with `pahole --btf_encode_detached=out.btf FILE`");
	return -EINVAL;
}

/* Make BTF from the DWARF of an ELF, the way BTFHub makes it for kernels that ship none. */
static int src_pahole(struct src_scan *sc, const struct src_meta *m, const void *data, size_t size)
{
	char dir[PATH_MAX], in[PATH_MAX + 16], out[PATH_MAX + 16], log[PATH_MAX + 16];
	const char *tmp = getenv("TMPDIR"), *input = m->disk_path;
	void *btf = NULL;
	size_t len = 0;
	int rc;

	snprintf(dir, sizeof(dir), "%s/eucc-pahole-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return eucc_error_set(sc->err, -errno, EUCC_E_INTERNAL,
				      "cannot make a temp dir %s: %s", dir, strerror(errno));
	snprintf(in, sizeof(in), "%s/vmlinux", dir);
	snprintf(out, sizeof(out), "%s/vmlinux.btf", dir);
	snprintf(log, sizeof(log), "%s/pahole.log", dir);
	rc = input ? 0 : src_write_file(in, data, size);
	if (rc) {
		eucc_error_set(sc->err, rc, EUCC_E_INTERNAL, "%s: cannot write %s: %s", m->origin,
			       in, strerror(-rc));
		goto out;
	}
	rc = src_run_pahole(input ? input : in, out, log);
	if (rc) {
		rc = src_pahole_failed(sc, m, rc, log);
		goto out;
	}
	rc = fs_read_file(out, SRC_MAX_SIZE, &btf, &len);
	if (rc)
		eucc_error_set(sc->err, -EINVAL, EUCC_E_BAD_INPUT, "%s: pahole made no BTF: %s",
			       m->origin, strerror(-rc));
	else
		rc = src_emit(sc, m, "pahole", btf, len);
	free(btf);
out:
	unlink(in);
	unlink(out);
	unlink(log);
	rmdir(dir);
	return rc;
}

/* ---- x86 bzImage ------------------------------------------------------------------------ */

#define BZ_SETUP_SECTS	  0x1f1
#define BZ_HEADER	  0x202
#define BZ_VERSION	  0x206
#define BZ_PAYLOAD_OFFSET 0x248
#define BZ_PAYLOAD_LENGTH 0x24c
#define BZ_MIN_SIZE	  0x250

bool src_is_bzimage(const void *data, size_t size)
{
	return size >= BZ_MIN_SIZE && !memcmp((const char *)data + BZ_HEADER, "HdrS", 4);
}

/* Decompress a kernel payload and dispatch what comes out (a vmlinux ELF, an Image). */
static int src_payload(struct src_scan *sc, struct src_meta *m, const char *comp,
		       const uint8_t *payload, size_t len, bool size_appended)
{
	size_t expect = 0;
	void *out = NULL;
	size_t outlen = 0;
	int rc;

	/* Kernel payloads other than gzip end with the decompressed size (size_append). */
	if (size_appended && strcmp(comp, "gzip") && len > 4) {
		expect = src_le32(payload + len - 4);
		len -= 4;
	}
	rc = src_decompress(payload, len, expect, &sc->room, &out, &outlen, m->origin, sc->err);
	if (rc)
		return rc;
	m->comp[0] = '\0';
	rc = src_dispatch(sc, m, out, outlen);
	free(out);
	return rc;
}

int src_bzimage(struct src_scan *sc, const struct src_meta *pm, const void *data, size_t size)
{
	const uint8_t *p = data;
	char kind[48], hex[40];
	uint32_t off, len;
	struct src_meta m;
	const char *comp;
	uint64_t base;

	if (src_le16(p + BZ_VERSION) < 0x208)
		return eucc_error_set(sc->err, -EINVAL, EUCC_E_BAD_INPUT,
				      "%s: bzImage boot protocol %u.%02u is too old to say where "
				      "its kernel is (2.08 needed): give its vmlinux instead",
				      pm->origin, p[BZ_VERSION + 1], p[BZ_VERSION]);
	base = ((uint64_t)(p[BZ_SETUP_SECTS] ? p[BZ_SETUP_SECTS] : 4) + 1) * 512;
	off = src_le32(p + BZ_PAYLOAD_OFFSET);
	len = src_le32(p + BZ_PAYLOAD_LENGTH);
	if (!len || base + off + len > size) {
		eucc_error_set(sc->err, -EINVAL, EUCC_E_BAD_INPUT,
			       "%s: truncated bzImage: its payload (%u bytes at %llu) runs past "
			       "the end of the file (%zu bytes)",
			       pm->origin, len, (unsigned long long)(base + off), size);
		eucc_error_hint(sc->err, "the file was cut short (an interrupted copy or "
					 "download?): get it again");
		return -EINVAL;
	}
	p += base + off;
	src_meta_child(&m, pm, NULL);
	comp = src_compression(p, len);
	if (!comp && src_is_elf(p, len)) {
		src_meta_kind(&m, "bzimage/none");
		return src_elf(sc, &m, p, len);
	}
	if (!comp) {
		src_hex_prefix(p, len, hex, sizeof(hex));
		return eucc_error_set(sc->err, -EINVAL, EUCC_E_BAD_INPUT,
				      "%s: bzImage payload packed in a way eucc does not know "
				      "(first bytes: %s)",
				      pm->origin, hex);
	}
	snprintf(kind, sizeof(kind), "bzimage/%s", comp);
	src_meta_kind(&m, kind);
	return src_payload(sc, &m, comp, p, len, true);
}

/* ---- arm64 Image, EFI zboot, other images ----------------------------------------------- */

#define ARM64_MAGIC_OFF 0x38
#define ZBOOT_MIN_SIZE	0x40

bool src_is_arm64_image(const void *data, size_t size)
{
	return size >= 64 && !memcmp((const char *)data + ARM64_MAGIC_OFF, "ARM\x64", 4);
}

bool src_is_zboot(const void *data, size_t size)
{
	const char *p = data;

	return size >= ZBOOT_MIN_SIZE && p[0] == 'M' && p[1] == 'Z' && !memcmp(p + 4, "zimg", 4);
}

static int src_image_btf(struct src_scan *sc, struct src_meta *m, const char *kind,
			 const void *data, size_t size)
{
	size_t off, len;

	src_meta_kind(m, kind);
	if (!m->release[0])
		src_release_from_banner(data, size, m->release, sizeof(m->release));
	if (!src_btf_find(data, size, &off, &len)) {
		eucc_error_set(sc->err, -EINVAL, EUCC_E_BAD_INPUT,
			       "%s: a kernel image (%s) with no BTF in it: build the kernel with "
			       "CONFIG_DEBUG_INFO_BTF=y",
			       m->origin, kind);
		eucc_error_hint(sc->err, "or give the kernel's vmlinux with debug info: eucc then "
					 "makes the BTF with pahole");
		return -EINVAL;
	}
	return src_emit(sc, m, kind, (const char *)data + off, len);
}

int src_arm64_image(struct src_scan *sc, const struct src_meta *pm, const void *data, size_t size)
{
	struct src_meta m = *pm;

	snprintf(m.arch, sizeof(m.arch), "%s", arch_normalize("arm64"));
	return src_image_btf(sc, &m, "arm64-image", data, size);
}

int src_kernel_image(struct src_scan *sc, const struct src_meta *pm, const void *data, size_t size)
{
	struct src_meta m = *pm;

	return src_image_btf(sc, &m, "kernel-image", data, size);
}

/* EFI zboot (arm64, riscv, loongarch): "MZ", "zimg", payload offset and size, method name. */
int src_zboot(struct src_scan *sc, const struct src_meta *pm, const void *data, size_t size)
{
	const uint8_t *p = data;
	uint32_t off = src_le32(p + 8), len = src_le32(p + 12);
	struct src_meta m;
	const char *comp;
	char kind[48];

	if (!len || (uint64_t)off + len > size) {
		eucc_error_set(sc->err, -EINVAL, EUCC_E_BAD_INPUT,
			       "%s: truncated EFI zboot image: its payload (%u bytes at %u) runs "
			       "past the end of the file (%zu bytes)",
			       pm->origin, len, off, size);
		eucc_error_hint(sc->err, "the file was cut short (an interrupted copy or "
					 "download?): get it again");
		return -EINVAL;
	}
	comp = src_compression(p + off, len);
	if (!comp)
		return eucc_error_set(sc->err, -EINVAL, EUCC_E_BAD_INPUT,
				      "%s: EFI zboot payload packed in a way eucc does not know",
				      pm->origin);
	src_meta_child(&m, pm, NULL);
	snprintf(kind, sizeof(kind), "zboot/%s", comp);
	src_meta_kind(&m, kind);
	return src_payload(sc, &m, comp, p + off, len, false);
}

/* ---- finding BTF by its header ---------------------------------------------------------- */

/* Cheap checks before libbpf: a string section that starts and ends with NUL. */
static bool src_btf_strings_sane(const uint8_t *p, uint64_t total)
{
	bool be = p[0] == 0xeb;
	uint32_t hdr_len = src_rd32(p + 4, be), type_off = src_rd32(p + 8, be);
	uint32_t type_len = src_rd32(p + 12, be), str_off = src_rd32(p + 16, be);
	uint32_t str_len = src_rd32(p + 20, be);
	uint64_t s = (uint64_t)hdr_len + str_off;

	if (!type_len || !str_len || type_off % 4 || s + str_len > total)
		return false;
	return p[s] == '\0' && p[s + str_len - 1] == '\0';
}

static void src_btf_try(const uint8_t *p, size_t rest, size_t *best)
{
	uint64_t total;
	struct btf *btf;

	if (src_btf_header_check(p, rest, &total, NULL) || total <= *best || total > UINT32_MAX ||
	    !src_btf_strings_sane(p, total) || btf_source_validate(p, (size_t)total, NULL))
		return;
	btf = btf__new(p, (uint32_t)total);
	if (!btf)
		return;
	btf__free(btf);
	*best = (size_t)total;
}

bool src_btf_find(const void *data, size_t size, size_t *off, size_t *len)
{
	static const uint8_t magic[2][8] = {
	    {0x9f, 0xeb, 1, 0, 24, 0, 0, 0}, /* little endian, version 1, header 24 bytes */
	    {0xeb, 0x9f, 1, 0, 0, 0, 0, 24}, /* big endian */
	};
	const uint8_t *base = data, *end = base + size;
	size_t best = 0;

	*off = 0;
	for (int i = 0; i < 2; i++) {
		const uint8_t *p = base;

		while (p < end && (p = memmem(p, (size_t)(end - p), magic[i], sizeof(magic[i])))) {
			size_t prev = best;

			src_btf_try(p, (size_t)(end - p), &best);
			if (best != prev)
				*off = (size_t)(p - base);
			p++;
		}
	}
	*len = best;
	return best > 0;
}

/* ---- arch from BTF ---------------------------------------------------------------------- */

enum {
	PT_R15 = 1,
	PT_PSTATE = 2,
	PT_REGS = 4,
	PT_CSR_ERA = 8,
	PT_PSW = 16,
	PT_EPC = 32,
	PT_NIP = 64
};

static unsigned int src_regs_of(const struct btf *btf, const struct btf_type *t, int depth)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} regs[] = {{"r15", PT_R15},	     {"pstate", PT_PSTATE}, {"regs", PT_REGS},
		    {"csr_era", PT_CSR_ERA}, {"psw", PT_PSW},	    {"epc", PT_EPC},
		    {"nip", PT_NIP}};
	const struct btf_member *mb = btf_members(t);
	unsigned int bits = 0;

	for (int i = 0; i < btf_vlen(t) && depth < 4; i++, mb++) {
		const char *name = btf__name_by_offset(btf, mb->name_off);
		const struct btf_type *mt = btf__type_by_id(btf, mb->type);

		if (name && *name) {
			for (size_t j = 0; j < sizeof(regs) / sizeof(regs[0]); j++)
				if (!strcmp(name, regs[j].name))
					bits |= regs[j].bit;
		} else if (mt && (btf_is_struct(mt) || btf_is_union(mt))) {
			bits |= src_regs_of(btf, mt, depth + 1);
		}
	}
	return bits;
}

const char *src_arch_from_btf(const struct btf *btf)
{
	const struct btf_type *t;
	unsigned int bits;
	int id;

	id = btf__find_by_name_kind(btf, "pt_regs", BTF_KIND_STRUCT);
	t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	if (!t)
		return NULL;
	bits = src_regs_of(btf, t, 0);
	if (bits & PT_R15)
		return arch_normalize("x86_64");
	if (bits & PT_PSTATE)
		return arch_normalize("arm64");
	if (bits & PT_CSR_ERA)
		return arch_normalize("loongarch64");
	if (bits & PT_PSW)
		return arch_normalize("s390x");
	if (bits & PT_EPC)
		return arch_normalize("riscv64");
	if (bits & PT_NIP)
		return btf__endianness(btf) == BTF_LITTLE_ENDIAN ? arch_normalize("ppc64le") : NULL;
	if (bits & PT_REGS)
		return arch_normalize("arm64");
	return NULL;
}
