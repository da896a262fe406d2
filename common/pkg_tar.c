/* SPDX-License-Identifier: Apache-2.0 */
/* ustar headers and member path rules of the package format. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pkg_internal.h"

/* Offsets and lengths of the ustar header fields we use. */
#define H_NAME	   0
#define H_MODE	   100
#define H_UID	   108
#define H_GID	   116
#define H_SIZE	   124
#define H_MTIME	   136
#define H_CHKSUM   148
#define H_TYPE	   156
#define H_MAGIC	   257
#define H_VERSION  263
#define H_UNAME	   265
#define H_GNAME	   297
#define H_DEVMAJOR 329
#define H_DEVMINOR 337
#define H_PREFIX   345
#define NAME_LEN   100
#define PREFIX_LEN 155

/* Where to split @path into prefix and name: 0 if it fits in name, -1 if it cannot. */
static long path_split(const char *path, size_t len)
{
	if (len <= NAME_LEN)
		return 0;
	for (size_t i = len - NAME_LEN - 1; i < len && i <= PREFIX_LEN; i++)
		if (path[i] == '/' && i > 0 && i + 1 < len)
			return (long)i;
	return -1;
}

const char *pkg_path_problem(const char *path)
{
	size_t len = strlen(path);
	const char *c = path;

	if (!len)
		return "empty path";
	if (len > PKG_PATH_MAX)
		return "longer than 255 bytes";
	if (path[0] == '/')
		return "absolute path";
	for (const char *p = path; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\')
			return "control character or backslash";
	while (c) {
		const char *slash = strchr(c, '/');
		size_t n = slash ? (size_t)(slash - c) : strlen(c);

		if (n == 0)
			return "empty path component";
		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return "'.' or '..' component";
		c = slash ? slash + 1 : NULL;
	}
	if (path_split(path, len) < 0)
		return "does not fit a ustar header";
	return NULL;
}

static void octal(unsigned char *field, size_t width, unsigned long long v)
{
	/* width - 1 digits and a NUL, like GNU tar */
	char buf[32];

	snprintf(buf, sizeof(buf), "%0*llo", (int)(width - 1), v);
	memcpy(field, buf, width);
}

static unsigned int header_sum(const unsigned char hdr[PKG_BLOCK])
{
	unsigned int sum = 0;

	for (size_t i = 0; i < PKG_BLOCK; i++)
		sum += (i >= H_CHKSUM && i < H_CHKSUM + 8) ? ' ' : hdr[i];
	return sum;
}

int pkg_tar_header(unsigned char hdr[PKG_BLOCK], const char *path, size_t size)
{
	size_t len = strlen(path);
	long split = path_split(path, len);

	if (split < 0 || len > PKG_PATH_MAX)
		return -ENAMETOOLONG;
	memset(hdr, 0, PKG_BLOCK);
	if (split > 0) {
		memcpy(hdr + H_PREFIX, path, (size_t)split);
		memcpy(hdr + H_NAME, path + split + 1, len - (size_t)split - 1);
	} else {
		memcpy(hdr + H_NAME, path, len);
	}
	octal(hdr + H_MODE, 8, 0644);
	octal(hdr + H_UID, 8, 0);
	octal(hdr + H_GID, 8, 0);
	octal(hdr + H_SIZE, 12, size);
	octal(hdr + H_MTIME, 12, 0);
	hdr[H_TYPE] = '0';
	memcpy(hdr + H_MAGIC, "ustar", 6);
	memcpy(hdr + H_VERSION, "00", 2);
	memcpy(hdr + H_UNAME, "root", 4);
	memcpy(hdr + H_GNAME, "root", 4);
	octal(hdr + H_DEVMAJOR, 8, 0);
	octal(hdr + H_DEVMINOR, 8, 0);
	snprintf((char *)hdr + H_CHKSUM, 8, "%06o", header_sum(hdr));
	hdr[H_CHKSUM + 7] = ' ';
	return 0;
}

/* Parse an octal field: optional leading spaces, digits, then NUL/space padding. */
static int parse_octal(const unsigned char *f, size_t width, unsigned long long *out)
{
	unsigned long long v = 0;
	size_t i = 0, digits = 0;

	while (i < width && f[i] == ' ')
		i++;
	for (; i < width && f[i] >= '0' && f[i] <= '7'; i++, digits++) {
		if (v >> 60)
			return -ERANGE;
		v = v * 8 + (f[i] - '0');
	}
	for (; i < width; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -EINVAL;
	if (!digits)
		return -EINVAL;
	*out = v;
	return 0;
}

static size_t field_len(const unsigned char *f, size_t width)
{
	const unsigned char *nul = memchr(f, '\0', width);

	return nul ? (size_t)(nul - f) : width;
}

const char *pkg_tar_parse(const unsigned char hdr[PKG_BLOCK], struct pkg_tar_entry *e)
{
	unsigned long long sum, size;
	size_t nlen, plen;

	if (parse_octal(hdr + H_CHKSUM, 8, &sum) || sum != header_sum(hdr))
		return "bad tar header checksum";
	/* POSIX "ustar\0" "00", or GNU's "ustar  \0" */
	if (memcmp(hdr + H_MAGIC, "ustar", 6) && memcmp(hdr + H_MAGIC, "ustar  ", 8))
		return "not a ustar header";
	if (parse_octal(hdr + H_SIZE, 12, &size))
		return "bad size field in tar header";
	nlen = field_len(hdr + H_NAME, NAME_LEN);
	plen = field_len(hdr + H_PREFIX, PREFIX_LEN);
	if (!nlen)
		return "empty member name";
	if (plen) {
		memcpy(e->path, hdr + H_PREFIX, plen);
		e->path[plen] = '/';
		plen++;
	}
	memcpy(e->path + plen, hdr + H_NAME, nlen);
	e->path[plen + nlen] = '\0';
	e->type = (char)hdr[H_TYPE];
	e->size = (size_t)size;
	if (size != e->size)
		return "member too large";
	return NULL;
}

bool pkg_block_is_zero(const unsigned char *block, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (block[i])
			return false;
	return true;
}
