/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The server's own data files (eucc.h, the libbpf headers), found relative to its binary so that an
 * installed tree works wherever it was installed: <dir of /proc/self/exe>/EUCC_EXE_TO_DATA, which
 * is <prefix>/bin/../share/eucc when installed and the copy staged beside the build-tree binary
 * (build/share/eucc) when run from the build tree (docs/install.md).
 */
#ifndef EUCC_DATA_FILES_H
#define EUCC_DATA_FILES_H

#include <stddef.h>

#include "common.h"

/*
 * The dir that holds eucc.h (offered to programs as <eucc/eucc.h>), as an absolute path:
 * $EUCC_INCLUDE_DIR if set, else DATA/include/eucc. Fails with an error that names the
 * place looked at when eucc.h is not readable there.
 */
int data_files_eucc_include(char *out, size_t size, struct eucc_error *err);

/*
 * The dir that the server's own libbpf headers are installed in (DATA/libbpf/include, which
 * holds bpf/bpf_helpers.h ...), whether they are there or not: the toolchains look at it
 * first (compile_toolchains_set_libbpf). Fails only when the binary's dir is unknown.
 */
int data_files_libbpf_include(char *out, size_t size);

/*
 * The preload library of warm tools (docs/security.md "Warm tools"), libeucc-warm.so in
 * <dir of /proc/self/exe>/EUCC_EXE_TO_LIB (<prefix>/bin/../lib/eucc when installed, staged
 * there in the build tree). -ENOENT when it is not there: compiles then start every command
 * afresh in bwrap.
 */
int data_files_warm_preload(char *out, size_t size);

#endif
