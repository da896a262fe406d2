/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loader_run: choose the BTF, open, set parameters, load, attach, print events until
 * SIGINT/SIGTERM or the duration, then detach, drain, dump the maps, free everything.
 *
 * Signals: SIGINT and SIGTERM are blocked in the calling thread for the whole run and read
 * from a signalfd polled with the buffers, so there is no signal handler and no global
 * state; the old mask is restored at the end. In a multi-threaded program, block them in
 * the other threads too (else the kernel may deliver them there).
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "loader_internal.h"

void opts_normalize(const struct loader_opts *in, struct loader_opts *out)
{
	size_t sz = in && in->sz ? in->sz : sizeof(*out);

	memset(out, 0, sizeof(*out));
	if (in)
		memcpy(out, in, sz < sizeof(*out) ? sz : sizeof(*out));
	out->sz = sizeof(*out);
	if (!out->out)
		out->out = stdout;
}

static int signals_block(struct loader_ctx *ctx, struct eucc_error *err)
{
	sigset_t set;
	int ret;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	ret = pthread_sigmask(SIG_BLOCK, &set, &ctx->oldmask);
	if (ret)
		return eucc_error_set(err, -ret, EUCC_E_IO, "cannot block signals: %s",
				      strerror(ret));
	ctx->masked = true;
	ctx->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (ctx->sigfd < 0)
		return eucc_error_set(err, -errno, EUCC_E_IO, "signalfd: %s", strerror(errno));
	return 0;
}

static void signals_restore(struct loader_ctx *ctx)
{
	if (ctx->sigfd >= 0)
		close(ctx->sigfd);
	ctx->sigfd = -1;
	if (ctx->masked)
		pthread_sigmask(SIG_SETMASK, &ctx->oldmask, NULL);
	ctx->masked = false;
}

static bool signalled(struct loader_ctx *ctx)
{
	struct signalfd_siginfo si;

	return read(ctx->sigfd, &si, sizeof(si)) == sizeof(si);
}

static long long now_ms(void)
{
	return (long long)(eucc_now_ns() / EUCC_NS_PER_MS);
}

void clock_text(char *buf, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, size, "%H:%M:%S", &tm))
		snprintf(buf, size, "??:??:??");
}

/* Every --interval: the histograms as they are now (cumulative: the maps are not cleared). */
static void interval_tick(struct loader_ctx *ctx)
{
	char t[16];

	clock_text(t, sizeof(t));
	if (!ctx->json)
		fprintf(ctx->out, "\n%s\n", t);
	ctx->hist_time = t;
	maps_dump_hists(ctx);
	ctx->hist_time = NULL;
}

static int poll_loop(struct loader_ctx *ctx, unsigned int duration, unsigned int interval,
		     struct eucc_error *err)
{
	long long end = duration ? now_ms() + duration * 1000LL : 0;
	long long tick = interval ? now_ms() + interval * 1000LL : 0;
	struct epoll_event evs[8];

	for (;;) {
		long long left = end ? end - now_ms() : POLL_MS;
		int ret;

		if (left <= 0)
			return 0;
		if (tick && tick - now_ms() < left)
			left = tick - now_ms() > 0 ? tick - now_ms() : 0;
		ret = epoll_wait(ctx->epfd, evs, 8, left < POLL_MS ? (int)left : POLL_MS);
		if (ret < 0 && errno != EINTR)
			return eucc_error_set(err, -errno, EUCC_E_IO, "epoll: %s", strerror(errno));
		if (signalled(ctx))
			return 0;
		ret = events_poll(ctx);
		if (ret < 0)
			return eucc_error_set(err, ret, EUCC_E_EVENTS, "reading events: %s",
					      strerror(-ret));
		if (tick && now_ms() >= tick) {
			interval_tick(ctx);
			tick += interval * 1000LL;
		}
	}
}

/* Everything from open to the map dump; the caller frees. */
static int run_object(struct loader_ctx *ctx, const struct btf_choice *c,
		      const struct loader_opts *opts, struct eucc_error *err)
{
	struct epoll_event e = {.events = EPOLLIN};
	int ret;

	ret = load_open(ctx, c, err);
	if (!ret)
		ret = load_configure(ctx, opts, err);
	if (!ret)
		ret = params_apply(ctx->obj, opts->sets, opts->nsets, err);
	if (!ret)
		ret = load_load(ctx, opts->nsets, err);
	if (!ret)
		ret = load_attach(ctx, err);
	if (!ret)
		ret = events_open(ctx, err);
	if (!ret && epoll_ctl(ctx->epfd, EPOLL_CTL_ADD, ctx->sigfd, &e))
		ret = eucc_error_set(err, -errno, EUCC_E_IO, "epoll: %s", strerror(errno));
	if (ret)
		return ret;
	eucc_info("%s: running with BTF %s", ctx->in->name ? ctx->in->name : "prog", c->desc);
	if (opts->attach_only) {
		fprintf(ctx->out, "%s: loaded and attached with BTF %s\n",
			STR_SAFE(ctx->in->name ? ctx->in->name : "prog"), STR_SAFE(c->desc));
		fflush(ctx->out);
		load_detach(ctx);
		return 0;
	}
	ret = poll_loop(ctx, opts->duration_sec, opts->interval_sec, err);
	load_detach(ctx); /* no new events, a steady view of the maps */
	events_poll(ctx);
	events_report_lost(ctx);
	maps_dump(ctx);
	return ret;
}

int loader_run(const struct loader_input *in, const struct loader_opts *opts_in,
	       struct eucc_error *err)
{
	struct loader_ctx ctx = {.in = in, .epfd = -1, .sigfd = -1};
	struct loader_opts opts;
	struct btf_choice c;
	int ret;

	opts_normalize(opts_in, &opts);
	ctx.out = opts.out;
	ctx.json = opts.json;
	ret = btf_check_arch(in, err);
	if (!ret)
		ret = btf_choose(in, &opts, &c, err);
	if (!ret)
		ret = signals_block(&ctx, err);
	if (!ret) {
		ctx.epfd = epoll_create1(EPOLL_CLOEXEC);
		ret = ctx.epfd < 0
			  ? eucc_error_set(err, -errno, EUCC_E_IO, "epoll: %s", strerror(errno))
			  : run_object(&ctx, &c, &opts, err);
	}
	events_close(&ctx);
	load_close(&ctx);
	if (ctx.epfd >= 0)
		close(ctx.epfd);
	signals_restore(&ctx);
	return ret;
}
