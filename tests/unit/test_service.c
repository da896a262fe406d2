/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The service's parts without a server: the memo, single flights, the work queue, tokens,
 * the pipeline's cache keys, and the API's routing table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "api.h"
#include "pipeline_internal.h"

/* ---- memo ---- */

static void test_memo(void **state)
{
	struct memo *m = calloc(1, sizeof(*m));
	char key[EUCC_SHA256_HEX], *v;
	uint64_t aux = 0;
	size_t len = 0;

	(void)state;
	eucc_sha256_hex("a", 1, key);
	memo_init(m, 50);
	assert_null(memo_get(m, key, &len, &aux));
	memo_put(m, key, "value", 5, 42);
	v = memo_get(m, key, &len, &aux);
	assert_non_null(v);
	assert_int_equal(len, 5);
	assert_int_equal(aux, 42);
	assert_string_equal(v, "value"); /* a NUL-terminated copy */
	free(v);
	memo_put(m, key, "other", 5, 7); /* replaced */
	v = memo_get(m, key, &len, &aux);
	assert_memory_equal(v, "other", 5);
	free(v);
	usleep(80 * 1000); /* expired */
	assert_null(memo_get(m, key, &len, &aux));
	memo_destroy(m);

	memo_init(m, 0); /* off */
	memo_put(m, key, "value", 5, 0);
	assert_null(memo_get(m, key, &len, &aux));
	memo_destroy(m);
	free(m);
}

/* ---- single flight ---- */

struct flight_arg {
	struct flight_table *t;
	const char *key;
	atomic_int stage;
	bool led;
};

static void *follower(void *p)
{
	struct flight_arg *a = p;

	atomic_store(&a->stage, 1);
	a->led = flight_begin(a->t, a->key); /* waits for the leader */
	atomic_store(&a->stage, 2);
	return NULL;
}

static void test_single_flight(void **state)
{
	char k[EUCC_SHA256_HEX], other[EUCC_SHA256_HEX];
	struct flight_table t;
	struct flight_arg a = {.t = &t, .key = k};
	pthread_t th;

	(void)state;
	eucc_sha256_hex("k", 1, k); /* keys are digests */
	eucc_sha256_hex("other", 5, other);
	flight_table_init(&t);
	assert_true(flight_begin(&t, k));
	assert_true(flight_begin(&t, other));  /* another key leads on its own */
	assert_false(flight_try_begin(&t, k)); /* led: answered at once, without waiting */
	assert_int_equal(pthread_create(&th, NULL, follower, &a), 0);
	while (atomic_load(&a.stage) < 1)
		usleep(1000);
	usleep(50 * 1000);
	assert_int_equal(atomic_load(&a.stage), 1); /* still waiting */
	flight_end(&t, k);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_false(a.led);		  /* it waited: it must look again, not lead */
	assert_true(flight_begin(&t, k)); /* the key is free again */
	flight_end(&t, k);
	assert_true(flight_try_begin(&t, k)); /* free: the caller leads */
	assert_false(flight_try_begin(&t, k));
	flight_end(&t, k);
	flight_end(&t, other);
	flight_table_destroy(&t);
}

/* ---- the work queue ---- */

struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool open;
	atomic_int ran;
};

static void gated(void *p)
{
	struct gate *g = p;

	pthread_mutex_lock(&g->lock);
	while (!g->open)
		pthread_cond_wait(&g->cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
	atomic_fetch_add(&g->ran, 1);
}

static void test_work_queue(void **state)
{
	struct gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0};
	struct work_item items[4];
	atomic_long depth = 0, running = 0;
	struct work_pool p = {.queue_depth = &depth, .running = &running};

	(void)state;
	for (int i = 0; i < 4; i++)
		items[i] = (struct work_item){.run = gated, .arg = &g};
	assert_int_equal(work_pool_start(&p, 1, 2), 0);
	assert_int_equal(work_pool_submit(&p, &items[0]), 0);
	while (atomic_load(&running) < 1) /* the one worker took it */
		usleep(1000);
	assert_int_equal(work_pool_submit(&p, &items[1]), 0);
	assert_int_equal(work_pool_submit(&p, &items[2]), 0);
	assert_int_equal(atomic_load(&depth), 2);
	assert_int_equal(work_pool_submit(&p, &items[3]), -EBUSY); /* the queue is full */
	pthread_mutex_lock(&g.lock);
	g.open = true;
	pthread_cond_broadcast(&g.cond);
	pthread_mutex_unlock(&g.lock);
	work_pool_stop(&p); /* runs what was queued, then joins */
	assert_int_equal(atomic_load(&g.ran), 3);
	assert_int_equal(atomic_load(&depth), 0);
	assert_int_equal(atomic_load(&running), 0);
	assert_int_equal(work_pool_submit(&p, &items[3]), -EBUSY); /* stopped */
	work_pool_destroy(&p);
}

/* ---- tokens ---- */

static void test_tokens(void **state)
{
	const char *text = "# TOKEN SCOPES NAME\n"
			   "\n"
			   "  aaaaaaaaaaaaaaaa read reader\n"
			   "bbbbbbbbbbbbbbbb compile ci\n"
			   "cccccccccccccccc admin\n";
	struct auth_tokens t;
	struct eucc_error err = {0};

	(void)state;
	assert_int_equal(auth_tokens_parse(text, "tokens", &t, &err), 0);
	assert_int_equal(t.count, 3);
	assert_string_equal(t.items[0].name, "reader");
	assert_string_equal(t.items[2].name, "-");
	assert_int_equal(auth_scopes(&t, "Bearer aaaaaaaaaaaaaaaa"), SCOPE_READ);
	assert_int_equal(auth_scopes(&t, "bearer bbbbbbbbbbbbbbbb"), SCOPE_READ | SCOPE_COMPILE);
	assert_int_equal(auth_scopes(&t, "Bearer cccccccccccccccc"),
			 SCOPE_READ | SCOPE_COMPILE | SCOPE_ADMIN);
	assert_int_equal(auth_scopes(&t, "Bearer aaaaaaaaaaaaaaa"), 0);	  /* a prefix */
	assert_int_equal(auth_scopes(&t, "Bearer aaaaaaaaaaaaaaaaa"), 0); /* longer */
	assert_int_equal(auth_scopes(&t, "aaaaaaaaaaaaaaaa"), 0);	  /* no scheme */
	assert_int_equal(auth_scopes(&t, NULL), 0);
	auth_tokens_free(&t);

	/* the line number counts blank and comment lines */
	assert_int_equal(auth_tokens_parse("# c\n\nshort read\n", "f", &t, &err), -EINVAL);
	assert_int_equal(err.code, EUCC_E_BAD_INPUT);
	assert_string_equal(err.message, "f:3: bad token line");
	assert_int_equal(auth_tokens_parse("dddddddddddddddd root\n", "f", &t, &err), -EINVAL);
	assert_string_equal(err.message, "f:1: bad token line"); /* unknown scope */
	assert_int_equal(auth_tokens_parse("# none\n", "f", &t, &err), -EINVAL);
	assert_string_equal(err.message, "tokens file f holds no token");
	assert_int_equal(auth_tokens_load("/nonexistent/tokens", &t, &err), -ENOENT);
	assert_int_equal(err.code, EUCC_E_IO);
}

/* ---- cache keys ---- */

struct keys {
	char object[EUCC_SHA256_HEX], request[EUCC_SHA256_HEX];
};

static struct compile_source srcs[] = {
    {"a.h", "#define A 1\n", 12},
    {"p.bpf.c", "int x;\n", 7},
};

static const struct compile_toolchain test_toolchain = {.name = "clang-19",
							.identity = "clang-19|clang 19|libbpf 1.5"};

static void keys_of_tc(struct keys *k, const char *src, const char *flag, const char *header_sha,
		       const char *release, const struct compile_toolchain *tc)
{
	struct pipeline_job *c = calloc(1, sizeof(*c));
	struct btf_kernel kern = {0};
	char *flags[] = {(char *)flag};
	struct compile_source s[2] = {srcs[0], srcs[1]};

	s[1].data = (char *)src;
	s[1].size = strlen(src);
	c->req.name = "p";
	c->req.main = "p.bpf.c";
	c->req.sources = s;
	c->req.nsources = 2;
	c->req.cflags = flags;
	c->req.ncflags = flag ? 1 : 0;
	c->arch = "x86_64";
	c->toolchain = tc;
	snprintf(c->header.sha256, sizeof(c->header.sha256), "%s", header_sha);
	snprintf(kern.release, sizeof(kern.release), "%s", release);
	snprintf(kern.sha256, sizeof(kern.sha256), "%s", header_sha);
	c->kernels = &kern;
	c->nkernels = 1;
	pipeline_keys(c);
	memcpy(k->object, c->object_key, EUCC_SHA256_HEX);
	memcpy(k->request, c->request_key, EUCC_SHA256_HEX);
	free(c);
}

static void keys_of(struct keys *k, const char *src, const char *flag, const char *header_sha,
		    const char *release)
{
	keys_of_tc(k, src, flag, header_sha, release, &test_toolchain);
}

static void test_cache_keys(void **state)
{
	struct keys base, again, k;

	(void)state;
	keys_of(&base, "int x;\n", "-DA", "h1", "5.10");
	keys_of(&again, "int x;\n", "-DA", "h1", "5.10");
	assert_string_equal(base.object, again.object); /* the same inputs, the same keys */
	assert_string_equal(base.request, again.request);
	keys_of_tc(&k, "int x;\n", "-DA", "h1", "5.10",
		   &(struct compile_toolchain){.name = "clang-16",
					       .identity = "clang-16|clang 16|libbpf 1.5"});
	assert_string_not_equal(base.object, k.object); /* another toolchain */
	keys_of(&k, "int y;\n", "-DA", "h1", "5.10");	/* a source byte */
	assert_string_not_equal(k.object, base.object);
	assert_string_not_equal(k.request, base.request);
	keys_of(&k, "int x;\n", "-DB", "h1", "5.10"); /* a flag */
	assert_string_not_equal(k.object, base.object);
	keys_of(&k, "int x;\n", NULL, "h1", "5.10");
	assert_string_not_equal(k.object, base.object);
	keys_of(&k, "int x;\n", "-DA", "h2", "5.10"); /* the header kernel's BTF */
	assert_string_not_equal(k.object, base.object);
	keys_of(&k, "int x;\n", "-DA", "h1", "6.1"); /* another target: the object is reused */
	assert_string_equal(k.object, base.object);
	assert_string_not_equal(k.request, base.request);
}

/* ---- routing ---- */

struct route_case {
	const char *method, *url;
	enum api_endpoint ep;
	bool ok;
	unsigned int scope;
	const char *arg0, *arg2;
};

/* The EUCC_EVENT lines appended for undeclared event buffers (NULL: none), and the request. */
static char *with_events(const char *main_text, const char *header)
{
	struct compile_source src[2] = {
	    {.path = "prog.bpf.c", .data = (char *)main_text, .size = strlen(main_text)},
	    {.path = "prog.h", .data = (char *)header, .size = header ? strlen(header) : 0}};
	struct compile_request req = {
	    .main = "prog.bpf.c", .sources = src, .nsources = header ? 2 : 1};
	struct compile_request copy;
	char *text, *tail = NULL;
	const struct compile_request *r = pipeline_with_events(&req, &copy, &text);

	if (r != &req) {
		assert_ptr_equal(r, &copy);
		assert_int_equal(strncmp(copy.sources[0].data, main_text, strlen(main_text)), 0);
		tail = strndup(copy.sources[0].data + strlen(main_text),
			       copy.sources[0].size - strlen(main_text));
		free(copy.sources);
	}
	free(text);
	return tail;
}

#define RB(name)                                                                                   \
	"struct {\n\t__uint(type, BPF_MAP_TYPE_RINGBUF);\n\t__uint(max_entries, 4096);\n} " name   \
	" SEC(\".maps\");\n"

static void expect_events(const char *main_text, const char *header, const char *want)
{
	char *got = with_events(main_text, header);

	if (!want)
		assert_null(got);
	else
		assert_string_equal(got, want);
	free(got);
}

static void test_event_inference(void **state)
{
	(void)state;
	/* the reservation's result, with and without a cast */
	expect_events("struct rec { int a; };\n" RB(
			  "rb") "int f(void) {\n\tstruct rec *e;\n"
				"\te = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);\n}\n",
		      NULL, "\n#include <eucc/eucc.h>\nEUCC_EVENT(rb, struct rec);\n");
	expect_events("struct rec { int a; };\n" RB(
			  "rb") "int f(void) {\n\tstruct rec *e = "
				"(struct rec *)bpf_ringbuf_reserve(&rb, 4, 0);\n}\n",
		      NULL, "\n#include <eucc/eucc.h>\nEUCC_EVENT(rb, struct rec);\n");
	/* an output call: &VAR of a struct, VAR of a pointer */
	expect_events(
	    "struct rec { int a; };\n" RB("rb") "int f(void) {\n\tstruct rec r = {};\n"
						"\tbpf_ringbuf_output(&rb, &r, sizeof(r), 0);\n}\n",
	    NULL, "\n#include <eucc/eucc.h>\nEUCC_EVENT(rb, struct rec);\n");
	/* already declared (spaces and all): nothing added */
	expect_events(
	    "struct rec { int a; };\n" RB("rb") "EUCC_EVENT( rb , struct rec);\n"
						"int f(void) {\n\tstruct rec r = "
						"{};\n\tbpf_ringbuf_output(&rb, &r, 4, 0);\n}\n",
	    NULL, NULL);
	/* a type the sources do not define (a kernel type): nothing added */
	expect_events(RB("rb") "int f(void) {\n\tstruct task_struct *t;\n"
			       "\tbpf_ringbuf_output(&rb, t, 4, 0);\n}\n",
		      NULL, NULL);
	/* no call shows it: struct event of prog.h */
	expect_events(RB("events") "int f(void) {\n\tvoid *p = 0;\n"
				   "\tbpf_ringbuf_output(&events, p, 8, 0);\n}\n",
		      "struct event {\n\tint pid;\n};\n",
		      "\n#include <eucc/eucc.h>\nEUCC_EVENT(events, struct event);\n");
	/* a pointer passed as &ptr is not the record */
	expect_events(
	    "struct rec { int a; };\n" RB("rb") "int f(void) {\n\tstruct rec *r;\n"
						"\tbpf_ringbuf_output(&rb, &r, 8, 0);\n}\n",
	    NULL, NULL);
}

static void test_routes(void **state)
{
	static const struct route_case cases[] = {
	    {"GET", "/healthz", EP_HEALTH, true, SCOPE_NONE, NULL, NULL},
	    {"POST", "/healthz", EP_HEALTH, false, SCOPE_NONE, NULL, NULL},
	    {"GET", "/metrics", EP_METRICS, true, SCOPE_READ, NULL, NULL},
	    {"POST", "/v1/compile", EP_COMPILE, true, SCOPE_COMPILE, NULL, NULL},
	    {"GET", "/v1/compile", EP_COMPILE, false, SCOPE_READ, NULL, NULL},
	    {"DELETE", "/v1/compile", EP_COMPILE, false, SCOPE_READ, NULL, NULL},
	    {"HEAD", "/v1/artifacts/abc", EP_ARTIFACT, true, SCOPE_READ, "abc", NULL},
	    {"GET", "/v1/artifacts", EP_OTHER, true, SCOPE_READ, NULL, NULL},
	    {"GET", "/v1/kernels", EP_KERNELS, true, SCOPE_READ, NULL, NULL},
	    {"GET", "/v1/kernels/5.10/types/task_struct", EP_KERNEL_DEF, true, SCOPE_READ, "5.10",
	     "task_struct"},
	    {"GET", "/v1/kernels/5.10/vars/x", EP_OTHER, true, SCOPE_READ, NULL, NULL},
	    {"POST", "/v1/btf", EP_BTF_UPLOAD, true, SCOPE_COMPILE, NULL, NULL},
	    {"GET", "/v1/btf/abc", EP_BTF, true, SCOPE_READ, "abc", NULL},
	    {"GET", "/v1/info", EP_INFO, true, SCOPE_READ, NULL, NULL},
	    {"GET", "/v2/info", EP_OTHER, true, SCOPE_READ, NULL, NULL},
	    {"GET", "/v1/a/b/c/d/e/f/g/h/i", EP_OTHER, true, SCOPE_READ, NULL, NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct route_case *c = &cases[i];
		struct api_route r;

		api_route(c->method, c->url, &r);
		if (r.endpoint != c->ep || r.method_ok != c->ok || r.scope != c->scope)
			fail_msg("%s %s: endpoint %d ok %d scope %u", c->method, c->url, r.endpoint,
				 r.method_ok, r.scope);
		if (c->arg0)
			assert_string_equal(r.args[0], c->arg0);
		if (c->arg2)
			assert_string_equal(r.args[2], c->arg2);
	}
	struct api_route r;
	api_route("PUT", "/v1/compile", &r);
	assert_string_equal(r.allow, "POST");
	api_route("PUT", "/v1/kernels", &r);
	assert_string_equal(r.allow, "GET, HEAD");
	assert_string_equal(api_endpoint_name(EP_KERNEL_DEF), "kernel_def");
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memo),
		cmocka_unit_test(test_single_flight),
		cmocka_unit_test(test_work_queue),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_cache_keys),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_event_inference),
	};
	/* clang-format on */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
