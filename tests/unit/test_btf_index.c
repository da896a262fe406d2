/* SPDX-License-Identifier: Apache-2.0 */
/* The name index of a kernel BTF (core.h's btf_index_*): lookups, CO-RE candidates and the
 * attach facts, on a BTF built here and against libbpf's linear lookups on this machine's. */
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
#include "core_internal.h"

static void test_built(void **state)
{
	struct btf *k = btf__new_empty(), *local = btf__new_empty();
	int s32 = btf__add_int(k, "int", 4, BTF_INT_SIGNED);
	int ts = btf__add_struct(k, "task_struct", 8);
	int other = btf__add_struct(k, "task_structx", 8);
	int old = btf__add_struct(k, "task_struct___old", 8);
	int dup = btf__add_struct(k, "task_struct", 16);
	int td = btf__add_typedef(k, "btf_trace_sched_switch", s32);
	int proto = btf__add_func_proto(k, s32);
	int fn = btf__add_func(k, "schedule", BTF_FUNC_GLOBAL, proto);
	int lts = btf__add_struct(local, "task_struct___v2", 8);
	struct btf_index *ix = NULL;
	uint32_t *ids = NULL;
	size_t n = 0;

	(void)state;
	assert_true(s32 > 0 && ts > 0 && other > 0 && old > 0 && dup > 0 && td > 0 && fn > 0);
	assert_int_equal(btf_index_new(k, &ix), 0);
	assert_int_equal(btf_index_find(ix, "task_struct", BTF_KIND_STRUCT), ts); /* the first */
	assert_int_equal(btf_index_find(ix, "task_struct___old", BTF_KIND_STRUCT), old);
	assert_int_equal(btf_index_find(ix, "task_struct", BTF_KIND_UNION), -ENOENT);
	assert_int_equal(btf_index_find(ix, "task_struct___new", BTF_KIND_STRUCT), -ENOENT);
	assert_int_equal(btf_index_find(ix, "schedule", BTF_KIND_FUNC), fn);
	assert_true(btf_index_has_funcs(ix));
	assert_true(btf_index_has_trace_typedefs(ix));
	assert_false(btf_index_has_lsm_hooks(ix));
	/* candidates: every flavor of the essential name, ascending, not the longer name */
	assert_int_equal(core_cands_find(local, (uint32_t)lts, ix, &ids, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(ids[0], ts);
	assert_int_equal(ids[1], old);
	assert_int_equal(ids[2], dup);
	free(ids);
	btf_index_free(ix);
	btf__free(k);
	btf__free(local);
}

static void test_empty(void **state)
{
	struct btf *k = btf__new_empty();
	struct btf_index *ix = NULL;

	(void)state;
	assert_int_equal(btf_index_new(k, &ix), 0);
	assert_int_equal(btf_index_find(ix, "int", BTF_KIND_INT), -ENOENT);
	assert_false(btf_index_has_funcs(ix));
	assert_false(btf_index_has_trace_typedefs(ix));
	btf_index_free(ix);
	btf__free(k);
}

static bool has_prefix(const struct btf *k, int kind, const char *prefix)
{
	for (uint32_t id = 1; id < btf__type_cnt(k); id++) {
		const struct btf_type *t = btf__type_by_id(k, id);

		if (btf_kind(t) == kind &&
		    !strncmp(btf__name_by_offset(k, t->name_off), prefix, strlen(prefix)))
			return true;
	}
	return false;
}

/* A sample of this machine's kernel types: the index finds what libbpf's scan finds. */
static void test_kernel(void **state)
{
	struct btf *k = btf__parse("/sys/kernel/btf/vmlinux", NULL);
	struct btf_index *ix = NULL;
	unsigned int checked = 0;

	(void)state;
	assert_non_null(k);
	assert_int_equal(btf_index_new(k, &ix), 0);
	for (uint32_t id = 1; id < btf__type_cnt(k); id += 211) {
		const struct btf_type *t = btf__type_by_id(k, id);
		const char *name = btf__name_by_offset(k, t->name_off);

		if (!t->name_off)
			continue;
		assert_int_equal(btf_index_find(ix, name, btf_kind(t)),
				 btf__find_by_name_kind(k, name, btf_kind(t)));
		checked++;
	}
	assert_true(checked > 100);
	assert_int_equal(btf_index_find(ix, "no_such_type_here", BTF_KIND_STRUCT), -ENOENT);
	assert_int_equal(btf_index_has_funcs(ix), has_prefix(k, BTF_KIND_FUNC, ""));
	assert_int_equal(btf_index_has_lsm_hooks(ix), has_prefix(k, BTF_KIND_FUNC, "bpf_lsm_"));
	assert_int_equal(btf_index_has_trace_typedefs(ix),
			 has_prefix(k, BTF_KIND_TYPEDEF, "btf_trace_"));
	btf_index_free(ix);
	btf__free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_built),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
