/* SPDX-License-Identifier: Apache-2.0 */
/* Feature tables: what btf_features.c and the probes on the booted kernel share. */
#ifndef EUCC_CORE_FEATURES_INTERNAL_H
#define EUCC_CORE_FEATURES_INTERNAL_H

#include "core.h"

/* Append one item; *cap is the allocated size (0 for a table read from the store). */
int btf_features_add(struct btf_features *f, size_t *cap, enum btf_feature_kind kind,
		     const char *name, int64_t value);

/* Does btf_features_probe measure whether programs of type @type load? */
bool btf_features_probes_type(int type);

#endif
