/* SPDX-License-Identifier: Apache-2.0 */
/* A BPF object's programs, maps and globals as JSON (for the package manifest and inspect). */
#include <cjson/cJSON.h>

#include "obj_internal.h"

static cJSON *prog_json(const struct obj_prog *p)
{
	cJSON *o = cJSON_CreateObject();
	const char *type = obj_prog_type_name(p);
	char uapi[96];

	obj_type_enum_name("BPF_PROG_TYPE_", type, uapi, sizeof(uapi));
	cJSON_AddStringToObject(o, "name", p->name);
	cJSON_AddStringToObject(o, "section", p->section);
	cJSON_AddStringToObject(o, "type", type);
	cJSON_AddStringToObject(o, "type_enum", p->type_known ? uapi : "");
	cJSON_AddStringToObject(o, "attach", p->attach);
	return o;
}

static cJSON *map_json(const struct obj_map *m)
{
	cJSON *o = cJSON_CreateObject();
	const char *type = obj_map_type_name(m->type);
	char uapi[96];

	obj_type_enum_name("BPF_MAP_TYPE_", type, uapi, sizeof(uapi));
	cJSON_AddStringToObject(o, "name", m->name);
	cJSON_AddStringToObject(o, "type", type);
	cJSON_AddStringToObject(o, "type_enum", uapi);
	cJSON_AddNumberToObject(o, "key_size", m->key_size);
	cJSON_AddNumberToObject(o, "value_size", m->value_size);
	cJSON_AddNumberToObject(o, "max_entries", m->max_entries);
	cJSON_AddNumberToObject(o, "flags", m->flags);
	return o;
}

static cJSON *global_json(const struct obj_global *g)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "name", g->name);
	cJSON_AddStringToObject(o, "type", g->type);
	cJSON_AddStringToObject(o, "section", g->section);
	cJSON_AddNumberToObject(o, "size", g->size);
	return o;
}

struct cJSON *obj_view_json(const struct bpf_obj_view *obj)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *progs = cJSON_AddArrayToObject(root, "programs");
	cJSON *maps = cJSON_AddArrayToObject(root, "maps");
	cJSON *globals = cJSON_AddArrayToObject(root, "globals");

	if (!root || !progs || !maps || !globals) {
		cJSON_Delete(root);
		return NULL;
	}
	for (size_t i = 0; i < obj->nprogs; i++)
		cJSON_AddItemToArray(progs, prog_json(&obj->progs[i]));
	for (size_t i = 0; i < obj->nmaps; i++)
		cJSON_AddItemToArray(maps, map_json(&obj->maps[i]));
	for (size_t i = 0; i < obj->nglobals; i++)
		cJSON_AddItemToArray(globals, global_json(&obj->globals[i]));
	return root;
}
