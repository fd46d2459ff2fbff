/*
 * Page-aligned memory for JavaScript: anonymous mappings exposed as external
 * ArrayBuffers.
 *
 * A protection key tags whole pages, and pkey_mprotect() rounds its length up
 * to a page boundary, so the memory to be tagged must start and end on page
 * boundaries and belong to nobody else. An ArrayBuffer allocated by V8 does
 * neither (it sits inside malloc'd or pooled memory), hence these mappings.
 */
#ifndef MPK_MAPPING_H
#define MPK_MAPPING_H

#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Resolves `buffer` to a live mpk-sys mapping, and [offset, offset + length)
 * to an address range inside it. Throws (and returns false) when the value is
 * not an ArrayBuffer made by mmap(), when it was unmapped (detached), or when
 * the range does not lie inside the buffer: the checks C needs so that a
 * syscall can never be pointed at memory the caller does not hold.
 */
bool mpk_mapping_range(napi_env env, const char *method, napi_value buffer, napi_value offset,
                       napi_value length, void **address, size_t *range_length);

napi_value mpk_register_mapping(napi_env env, napi_value exports);

#endif
