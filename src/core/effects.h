/*
 * The engine's named effects (DESIGN.md §2): the only type-specific
 * behaviour written in C, referenced by name from type definitions. The type
 * loader resolves each name once, at load, through the lookup it is handed
 * (types_load_dir), so types.c never names the engine.
 */
#ifndef CIVICLOOP_CORE_EFFECTS_H
#define CIVICLOOP_CORE_EFFECTS_H

#include <stddef.h>

/* The effect's index in the engine's table, -1 if there is no such effect. */
int effect_index(const char *name);

struct type_registry;
/* Checks, once the types of dir are loaded, what the engine reads from a
 * type beyond its lifecycle: "create_roles" (known roles that carry
 * case.create) and the parameters of the effects assign ("kind",
 * "org_kinds", "excluded_by_lead") and cancel_unit ("lead_to" a state of
 * the type, "from"). 0, or -1 with "FILE: where: what is wrong" in err. */
int effects_check_types(const struct type_registry *r, const char *dir, char *err, size_t errcap);

#endif
