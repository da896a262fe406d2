/* SPDX-License-Identifier: Apache-2.0 */
/* Values of BTF types as text (core.h's btf_value_*), on a BTF built here: what the loader
 * prints and the manifest's parameter defaults hold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <cmocka.h>

#include "core.h"

/* The types of the tests, by id. */
struct types {
	struct btf *btf;
	int s8, u8, s32, u32, s64, u64, b, ch, pid_t_, cv_pid, color, comm, u8_t, u8_arr, pt;
};

static int setup(void **state)
{
	static struct types t;

	t.btf = btf__new_empty();
	if (!t.btf)
		return -1;
	t.s8 = btf__add_int(t.btf, "signed char", 1, BTF_INT_SIGNED);
	t.u8 = btf__add_int(t.btf, "unsigned char", 1, 0);
	t.s32 = btf__add_int(t.btf, "int", 4, BTF_INT_SIGNED);
	t.u32 = btf__add_int(t.btf, "unsigned int", 4, 0);
	t.s64 = btf__add_int(t.btf, "long long int", 8, BTF_INT_SIGNED);
	t.u64 = btf__add_int(t.btf, "long long unsigned int", 8, 0);
	t.b = btf__add_int(t.btf, "_Bool", 1, BTF_INT_BOOL);
	t.ch = btf__add_int(t.btf, "char", 1, BTF_INT_SIGNED);
	t.pid_t_ = btf__add_typedef(t.btf, "pid_t", t.s32);
	/* const volatile pid_t, as a parameter's VAR has it */
	t.cv_pid = btf__add_const(t.btf, btf__add_volatile(t.btf, t.pid_t_));
	t.color = btf__add_enum(t.btf, "color", 4);
	btf__add_enum_value(t.btf, "RED", 0);
	btf__add_enum_value(t.btf, "BLUE", 7);
	/* const volatile char comm[8] */
	t.comm =
	    btf__add_array(t.btf, t.s32, btf__add_const(t.btf, btf__add_volatile(t.btf, t.ch)), 8);
	t.u8_t = btf__add_typedef(t.btf, "__u8", t.u8);
	t.u8_arr = btf__add_array(t.btf, t.s32, t.u8_t, 4);
	t.pt = btf__add_struct(t.btf, "pt", 8);
	btf__add_field(t.btf, "x", t.s32, 0, 0);
	btf__add_field(t.btf, "y", t.s32, 32, 0);
	*state = &t;
	return 0;
}

static int teardown(void **state)
{
	struct types *t = *state;

	btf__free(t->btf);
	return 0;
}

/* The text of @size bytes at @p as type @id (with @flags), asserting success. */
static const char *text(const struct types *t, int id, const void *p, size_t size,
			unsigned int flags)
{
	static char buf[128];

	assert_int_equal(btf_value_text(t->btf, id, p, size, flags, buf, sizeof(buf)), 0);
	return buf;
}

static void test_ints(void **state)
{
	const struct types *t = *state;
	int8_t s8 = -5;
	uint8_t u8 = 250;
	int32_t s32 = -42;
	uint32_t u32 = UINT32_MAX;
	int64_t s64 = INT64_MIN;
	uint64_t u64 = 0xfffffffffffffff0ULL;

	assert_string_equal(text(t, t->s8, &s8, 1, 0), "-5");
	assert_string_equal(text(t, t->u8, &u8, 1, 0), "250");
	assert_string_equal(text(t, t->s32, &s32, 4, 0), "-42");
	assert_string_equal(text(t, t->u32, &u32, 4, 0), "4294967295");
	assert_string_equal(text(t, t->s64, &s64, 8, 0), "-9223372036854775808");
	/* unsigned all the way: not the negative number of the same bits */
	assert_string_equal(text(t, t->u64, &u64, 8, 0), "18446744073709551600");
	/* through typedefs and qualifiers */
	s32 = 1234;
	assert_string_equal(text(t, t->cv_pid, &s32, 4, BTF_TEXT_QUOTE), "1234");
}

static void test_bools(void **state)
{
	const struct types *t = *state;
	uint8_t yes = 1, no = 0;

	assert_string_equal(text(t, t->b, &yes, 1, 0), "true");
	assert_string_equal(text(t, t->b, &no, 1, BTF_TEXT_QUOTE), "false");
}

static void test_enums(void **state)
{
	const struct types *t = *state;
	int32_t blue = 7, red = 0, unknown = 42;

	assert_string_equal(text(t, t->color, &blue, 4, 0), "BLUE");
	assert_string_equal(text(t, t->color, &red, 4, BTF_TEXT_QUOTE), "RED");
	/* a value no enumerator has: the number */
	assert_string_equal(text(t, t->color, &unknown, 4, 0), "42");
}

static void test_strings(void **state)
{
	const struct types *t = *state;
	char plain[8] = "abc", empty[8] = "", space[8] = "a b", esc[8] = "q\"\\\t\n\x01";
	char full[8] = {'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'}; /* no NUL: all 8 */

	assert_string_equal(text(t, t->comm, plain, 8, 0), "abc");
	assert_string_equal(text(t, t->comm, plain, 8, BTF_TEXT_QUOTE), "\"abc\"");
	assert_string_equal(text(t, t->comm, empty, 8, 0), "\"\"");
	assert_string_equal(text(t, t->comm, empty, 8, BTF_TEXT_QUOTE), "\"\"");
	assert_string_equal(text(t, t->comm, space, 8, 0), "\"a b\"");
	assert_string_equal(text(t, t->comm, esc, 8, 0), "\"q\\\"\\\\\\t\\n\\x01\"");
	assert_string_equal(text(t, t->comm, full, 8, 0), "abcdefgh");
}

/* btf_string_text counts what does not fit, as snprintf does. */
static void test_string_cut(void **state)
{
	char buf[4];

	(void)state;
	assert_int_equal(btf_string_text("abcdef", 16, 0, buf, sizeof(buf)), 6);
	assert_string_equal(buf, "abc");
	assert_int_equal(btf_string_text("abcdef", 16, BTF_TEXT_QUOTE, buf, sizeof(buf)), 8);
	assert_string_equal(buf, "\"ab");
	assert_int_equal(btf_string_text("abcdef", 3, 0, NULL, 0), 3);
}

/* What is not a scalar or a char array, or does not fit: "?" and -EINVAL. */
static void test_not_text(void **state)
{
	const struct types *t = *state;
	unsigned char bytes[8] = {1, 2, 3, 4};
	char buf[16];

	/* an array of __u8 is not a string */
	assert_false(btf_value_is_string(t->btf, t->u8_arr));
	assert_true(btf_value_is_string(t->btf, t->comm));
	assert_int_equal(btf_value_text(t->btf, t->u8_arr, bytes, 4, 0, buf, sizeof(buf)), -EINVAL);
	assert_string_equal(buf, "?");
	assert_int_equal(btf_value_text(t->btf, t->pt, bytes, 8, 0, buf, sizeof(buf)), -EINVAL);
	assert_string_equal(buf, "?");
	/* fewer bytes than the type */
	assert_int_equal(btf_value_text(t->btf, t->s64, bytes, 4, 0, buf, sizeof(buf)), -EINVAL);
	assert_string_equal(buf, "?");
	assert_int_equal(btf_value_text(t->btf, t->comm, bytes, 7, 0, buf, sizeof(buf)), -EINVAL);
}

/* Bit fields: @bit_size bits at @bit_off, signed ones sign-extended. */
static void test_bitfields(void **state)
{
	const struct types *t = *state;
	uint32_t word = 0x7u << 4; /* bits 4..6 set */
	struct btf_scalar sc;

	assert_int_equal(btf_scalar_read(t->btf, t->s32, &word, 4, 3, &sc), 0);
	assert_int_equal(sc.kind, BTF_SCALAR_SIGNED);
	assert_int_equal(sc.s, -1);
	assert_int_equal(btf_scalar_read(t->btf, t->u32, &word, 4, 3, &sc), 0);
	assert_int_equal(sc.kind, BTF_SCALAR_UNSIGNED);
	assert_int_equal(sc.u, 7);
	assert_int_equal(btf_scalar_read(t->btf, t->pt, &word, 0, 0, &sc), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ints),       cmocka_unit_test(test_bools),
	    cmocka_unit_test(test_enums),      cmocka_unit_test(test_strings),
	    cmocka_unit_test(test_string_cut), cmocka_unit_test(test_not_text),
	    cmocka_unit_test(test_bitfields),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
