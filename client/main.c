/* SPDX-License-Identifier: Apache-2.0 */
/* eucc-remote: the thin client of eucc-server. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#ifdef EUCC_STATIC_BUILD
#include <openssl/crypto.h>
#endif

#include "remote.h"

/* The server's base URL: HOST:PORT is http://HOST:PORT; no trailing '/'. */
static int set_server(void *target, const struct cli_opt *opt, const char *value,
		      struct eucc_error *err)
{
	struct remote_config *cfg = target;
	const char *scheme = strstr(value, "://") ? "" : "http://";
	int n = snprintf(cfg->server, sizeof(cfg->server), "%s%s", scheme, value);
	size_t len = strlen(cfg->server);

	(void)opt;
	if (n < 0 || (size_t)n >= sizeof(cfg->server))
		return eucc_error_set(err, -ENAMETOOLONG, EUCC_E_USAGE,
				      "the server URL is too long (at most %zu characters)",
				      sizeof(cfg->server) - 1);
	if (len && cfg->server[len - 1] == '/')
		cfg->server[len - 1] = '\0';
	return 0;
}

static int set_token(void *target, const struct cli_opt *opt, const char *value,
		     struct eucc_error *err)
{
	struct remote_config *cfg = target;

	(void)opt;
	if (strlen(value) >= sizeof(cfg->token))
		return eucc_error_set(err, -ENAMETOOLONG, EUCC_E_USAGE,
				      "the token is too long (at most %zu characters)",
				      sizeof(cfg->token) - 1);
	snprintf(cfg->token, sizeof(cfg->token), "%s", value);
	return 0;
}

static int set_cacert(void *target, const struct cli_opt *opt, const char *value,
		      struct eucc_error *err)
{
	struct remote_config *cfg = target;

	(void)opt;
	if (strlen(value) >= sizeof(cfg->cacert))
		return eucc_error_set(err, -EINVAL, EUCC_E_USAGE, "the --cacert path is too long");
	snprintf(cfg->cacert, sizeof(cfg->cacert), "%s", value);
	return 0;
}

static int set_registry_user(void *target, const struct cli_opt *opt, const char *value,
			     struct eucc_error *err)
{
	struct remote_config *cfg = target;

	(void)opt;
	if (strlen(value) >= sizeof(cfg->registry_user))
		return eucc_error_set(err, -ENAMETOOLONG, EUCC_E_USAGE,
				      "the registry credentials are too long (at most %zu "
				      "characters)",
				      sizeof(cfg->registry_user) - 1);
	if (!strchr(value, ':'))
		return eucc_error_set(err, -EINVAL, EUCC_E_USAGE,
				      "registry credentials are USER:PASSWORD, not '%s'", value);
	snprintf(cfg->registry_user, sizeof(cfg->registry_user), "%s", value);
	return 0;
}

static const struct cli_opt remote_globals[] = {
    {.name = "server",
     .arg = "URL",
     .kind = CLI_CALL,
     .set = set_server,
     .help = "the eucc server (HOST:PORT means http://HOST:PORT); else EUCC_SERVER",
     .def = "http://127.0.0.1:8639"},
    {.name = "token",
     .arg = "TOKEN",
     .kind = CLI_CALL,
     .set = set_token,
     .help = "the bearer token the server wants; else EUCC_TOKEN",
     .def = "none"},
    {.name = "cacert",
     .arg = "FILE",
     .kind = CLI_CALL,
     .set = set_cacert,
     .help = "the CA certificates (PEM) that sign an https server's certificate, as for a "
	     "private CA; else CURL_CA_BUNDLE, else SSL_CERT_FILE",
     .def = "the system's CA store"},
    {.name = "trust",
     .arg = "FILE|DIR",
     .kind = CLI_LIST,
     .off = offsetof(struct remote_config, trust),
     .help = "pin the public keys of FILE (PEM, as `eucc-server key export` prints) or of "
	     "DIR/*.pem: packages must then be signed by one of them; adds to EUCC_TRUST and "
	     "/etc/eucc/trust.d",
     .def = "EUCC_TRUST, /etc/eucc/trust.d; no key: signatures not checked"},
    {.name = "insecure",
     .letter = 'k',
     .kind = CLI_BOOL,
     .off = offsetof(struct remote_config, insecure),
     .help = "https without checking the server's certificate (tests only: anyone on the path "
	     "can then read the token)"},
    {.name = "registry-user",
     .arg = "USER:PASSWORD",
     .kind = CLI_CALL,
     .set = set_registry_user,
     .help = "credentials for OCI registries (push, pull oci://, mirror): Basic auth, or for "
	     "the registry's token service; else EUCC_REGISTRY_USER",
     .def = "none"},
    {.name = "quiet",
     .letter = 'q',
     .kind = CLI_BOOL,
     .off = offsetof(struct remote_config, quiet),
     .help = "no notes, progress or \"wrote\" lines; errors still show"},
    {.name = "verbose",
     .letter = 'v',
     .kind = CLI_CALL,
     .set = cli_set_verbose,
     .help = "debug messages on stderr"},
    {.name = "json",
     .letter = 'j',
     .kind = CLI_BOOL,
     .off = offsetof(struct remote_config, json),
     .flags = CLI_IF_JSON,
     .help = "JSON output, for the commands that have it"},
    {.name = "help", .letter = 'h', .kind = CLI_HELP, .help = "print this help and exit"},
    {.name = "version",
     .letter = 'V',
     .kind = CLI_VERSION,
     .help = "print the version and the libbpf it uses, and exit"},
    {0},
};

static const struct cli_cmd *const remote_cmds[] = {
    &remote_cmd_compile, &remote_cmd_check,
    &remote_cmd_pull,	 &remote_cmd_push,
    &remote_cmd_mirror,	 &remote_cmd_run,
    &remote_cmd_inspect, &remote_cmd_kernels,
    &remote_cmd_export,	 NULL,
};

static void remote_version(FILE *out)
{
#ifdef EUCC_STATIC_BUILD
	const char *build = "; static";
#else
	const char *build = "";
#endif

	fprintf(out, "eucc-remote %s (libbpf %u.%u%s)\n", EUCC_VERSION, libbpf_major_version(),
		libbpf_minor_version(), build);
}

static const struct cli_prog remote_prog = {
    .name = "eucc-remote",
    .summary = "The client of an eucc compile server: compile CO-RE eBPF programs for the "
	       "kernels of a fleet, check them, fetch the packages and run them on this host.",
    .globals = remote_globals,
    .cmds = remote_cmds,
    .footer = "The server: --server, else EUCC_SERVER, else http://127.0.0.1:8639; the token: "
	      "--token, else EUCC_TOKEN.\nExit codes: 0 ok, 1 incompatible on some kernel, 2 "
	      "compile or input error, 3 usage, 4 server unreachable or refused.",
    .version = remote_version,
};

int remote_fail(const struct eucc_error *e)
{
	eucc_error_print(e, "eucc-remote");
	return eucc_error_exit_code(e);
}

static void config_defaults(struct remote_config *cfg)
{
	const char *env = getenv("EUCC_SERVER");

	memset(cfg, 0, sizeof(*cfg));
	if (!env || !*env || set_server(cfg, NULL, env, NULL))
		set_server(cfg, NULL, "http://127.0.0.1:8639", NULL);
	env = getenv("EUCC_TOKEN");
	if (env)
		set_token(cfg, NULL, env, NULL);
	env = getenv("EUCC_REGISTRY_USER");
	if (env && *env)
		set_registry_user(cfg, NULL, env, NULL);
	env = getenv("CURL_CA_BUNDLE");
	if (!env || !*env)
		env = getenv("SSL_CERT_FILE");
	if (env && *env)
		set_cacert(cfg, NULL, env, NULL);
	cfg->timeout_sec = 600;
}

/*
 * The static build reads no OpenSSL configuration: the host's openssl.cnf belongs to the
 * host's own OpenSSL (another version, perhaps with engines or providers to dlopen), and the
 * client needs nothing of it for SHA-256 and TLS. So libcrypto's module loading (dlopen) is
 * never reached; nor are its socket BIOs (getaddrinfo, gethostbyname): libcurl makes its own
 * sockets and resolves names with c-ares.
 */
static int crypto_init(void)
{
#ifdef EUCC_STATIC_BUILD
	return OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) ? 0 : -ENOMEM;
#else
	return 0;
#endif
}

int main(int argc, char **argv)
{
	struct remote_config cfg;
	int ret;

	config_defaults(&cfg);
	if (crypto_init() || http_init()) {
		fprintf(stderr, "eucc-remote: error: cannot start libcrypto or the HTTP client\n");
		return EUCC_EXIT_INPUT;
	}
	ret = cli_main(&remote_prog, argc, argv, &cfg);
	http_cleanup();
	return ret;
}
