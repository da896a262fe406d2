/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include "common.h"

static const struct {
	const char *alias;
	const char *name;
} arch_names[] = {
    {"x86_64", "x86_64"},
    {"amd64", "x86_64"},
    {"x86-64", "x86_64"},
    {"arm64", "arm64"},
    {"aarch64", "arm64"},
    {"s390x", "s390x"},
    {"s390", "s390x"},
    {"ppc64le", "ppc64le"},
    {"powerpc64le", "ppc64le"},
    {"riscv64", "riscv64"},
    {"loongarch64", "loongarch64"},
};

const char *arch_normalize(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(arch_names) / sizeof(arch_names[0]); i++)
		if (!strcasecmp(name, arch_names[i].alias))
			return arch_names[i].name;
	return NULL;
}

const char *arch_host(void)
{
	struct utsname u;
	const char *a;

	if (uname(&u))
		return "x86_64";
	a = arch_normalize(u.machine);
	return a ? a : "x86_64";
}

const char *arch_from_release(const char *release)
{
	size_t len = strlen(release);

	for (size_t i = 0; i < sizeof(arch_names) / sizeof(arch_names[0]); i++) {
		size_t al = strlen(arch_names[i].alias);

		if (len > al && !strcasecmp(release + len - al, arch_names[i].alias) &&
		    strchr(".-_", release[len - al - 1]))
			return arch_names[i].name;
	}
	return NULL;
}

bool release_is_valid(const char *release)
{
	size_t len = strlen(release);

	if (len == 0 || len > 200 || !isdigit((unsigned char)release[0]))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)release[i];

		if (!isalnum(c) && !strchr(".-_+~", c))
			return false;
	}
	return true;
}

bool release_has_prefix(const char *release, const char *prefix)
{
	size_t n = strlen(prefix);

	if (n == 0)
		return true;
	if (strncmp(release, prefix, n))
		return false;
	return release[n] == '\0' || strchr(".-_+~", release[n]) != NULL ||
	       !isalnum((unsigned char)prefix[n - 1]);
}

int release_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			while (*a == '0' && isdigit((unsigned char)a[1]))
				a++;
			while (*b == '0' && isdigit((unsigned char)b[1]))
				b++;
			size_t la = strspn(a, "0123456789"), lb = strspn(b, "0123456789");
			if (la != lb)
				return la < lb ? -1 : 1;
			int c = strncmp(a, b, la);
			if (c)
				return c;
			a += la;
			b += lb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

void format_size(uint64_t bytes, char *buf, size_t size)
{
	if (bytes < 1024)
		snprintf(buf, size, "%llu B", (unsigned long long)bytes);
	else if (bytes < 1024 * 1024)
		snprintf(buf, size, "%.1f KiB", bytes / 1024.0);
	else
		snprintf(buf, size, "%.1f MiB", bytes / (1024.0 * 1024.0));
}

int parse_size(const char *text, uint64_t *out)
{
	static const char units[] = "KMGT";
	unsigned long long v;
	const char *u;
	char *end;

	if (!text || !isdigit((unsigned char)*text))
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end && (u = strchr(units, toupper((unsigned char)*end)))) {
		for (long i = 0; i <= u - units; i++) {
			if (v > (~0ULL >> 10))
				return -EINVAL;
			v <<= 10;
		}
		end++;
		if (*end == 'i' || *end == 'I')
			end++;
		if (*end == 'B' || *end == 'b')
			end++;
	}
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}
