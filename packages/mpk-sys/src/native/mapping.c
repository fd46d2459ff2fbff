/*
 * mmap()/munmap() for JavaScript, and the lifetime of each mapping.
 *
 * Each mapping has a small native record (address, length, unmapped flag)
 * that is the finalize hint of its external ArrayBuffer. Three paths can end
 * a mapping, and exactly one of them calls munmap():
 *
 *  - munmap() from JavaScript detaches the ArrayBuffer first, so no JS code
 *    (and no JIT-compiled code holding the old data pointer) can touch the
 *    pages once they are gone, then unmaps and sets the record's flag;
 *  - the finalizer, when the ArrayBuffer is collected (or its backing store
 *    released after the detach), unmaps only if the flag is still clear, and
 *    frees the record;
 *  - at environment teardown (worker exit, process exit) Node detaches
 *    external buffers and runs the same finalizer.
 *
 * The record is found again through napi_wrap() on the ArrayBuffer, which is
 * also type-tagged: an ArrayBuffer without our tag is foreign memory and is
 * refused before any pointer is derived from it. A detached buffer is refused
 * too; that matters for memory safety, because the record may already have
 * been freed by the finalizer once the backing store is released.
 */
#include "mapping.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "label_table.h"
#include "napi_helpers.h"

typedef struct {
  void *address;
  size_t length;
  /* Set once munmap() succeeded; only touched on the owning JS thread. */
  bool unmapped;
} mpk_mapping;

/* Marks ArrayBuffers created here; random constants, fixed for the addon's lifetime. */
static const napi_type_tag MAPPING_TAG = {0x8c1f5e3a9d2b4c71ULL, 0x3e6a0b9f57d1c284ULL};

/* Mappings currently mapped, over every thread and environment in the process. */
static atomic_long live_mappings;

/* Unmaps a record's pages (labels first, so no label outlives its memory). 0 or -errno. */
static int unmap_record(napi_env env, mpk_mapping *mapping) {
  label_table_remove_range((uintptr_t)mapping->address, mapping->length);
  if (munmap(mapping->address, mapping->length) != 0) return -errno;
  mapping->unmapped = true;
  atomic_fetch_sub(&live_mappings, 1);
  int64_t ignored;
  napi_adjust_external_memory(env, -(int64_t)mapping->length, &ignored);
  return 0;
}

static void finalize_mapping(napi_env env, void *data, void *hint) {
  (void)data;
  mpk_mapping *mapping = hint;
  /* Nobody is left to report a failure to; a failed munmap() leaks the pages, never more. */
  if (!mapping->unmapped) unmap_record(env, mapping);
  free(mapping);
}

static void throw_typed(napi_env env, const char *code, const char *method, const char *what) {
  char message[256];
  snprintf(message, sizeof message, "mpk-sys: %s: %s", mpk_method_name(method), what);
  napi_throw_type_error(env, code, message);
}

/* The record and data of a live mpk-sys ArrayBuffer; throws and returns NULL otherwise. */
static mpk_mapping *live_mapping(napi_env env, const char *method, napi_value buffer, void **data,
                                 size_t *byte_length) {
  bool is_arraybuffer = false;
  if (napi_is_arraybuffer(env, buffer, &is_arraybuffer) != napi_ok || !is_arraybuffer) {
    throw_typed(env, "ERR_MPK_INVALID_ARGUMENT", method, "expected an ArrayBuffer returned by mmap()");
    return NULL;
  }
  bool tagged = false;
  if (napi_check_object_type_tag(env, buffer, &MAPPING_TAG, &tagged) != napi_ok || !tagged) {
    throw_typed(env, "ERR_MPK_FOREIGN_MEMORY", method, "the ArrayBuffer was not returned by mmap()");
    return NULL;
  }
  bool detached = true;
  if (napi_is_detached_arraybuffer(env, buffer, &detached) != napi_ok || detached) {
    throw_typed(env, "ERR_MPK_UNMAPPED", method, "the mapping was unmapped");
    return NULL;
  }
  void *record = NULL;
  if (napi_unwrap(env, buffer, &record) != napi_ok || record == NULL ||
      napi_get_arraybuffer_info(env, buffer, data, byte_length) != napi_ok) {
    mpk_throw_napi_failure(env, method, "napi_unwrap/napi_get_arraybuffer_info");
    return NULL;
  }
  return record;
}

bool mpk_mapping_range(napi_env env, const char *method, napi_value buffer, napi_value offset,
                       napi_value length, void **address, size_t *range_length) {
  void *data = NULL;
  size_t byte_length = 0;
  if (live_mapping(env, method, buffer, &data, &byte_length) == NULL) return false;
  int64_t start = 0, count = 0;
  if (napi_get_value_int64(env, offset, &start) != napi_ok ||
      napi_get_value_int64(env, length, &count) != napi_ok) {
    mpk_throw_napi_failure(env, method, "napi_get_value_int64(offset/length)");
    return false;
  }
  if (start < 0 || count < 0 || (uint64_t)start > byte_length || (uint64_t)count > byte_length - (uint64_t)start) {
    char message[256];
    snprintf(message, sizeof message, "mpk-sys: %s: range [%lld, +%lld) is outside the %zu-byte mapping",
             mpk_method_name(method),
             (long long)start, (long long)count, byte_length);
    napi_throw_range_error(env, "ERR_MPK_OUT_OF_RANGE", message);
    return false;
  }
  *address = (char *)data + start;
  *range_length = (size_t)count;
  return true;
}

/* mmap(length): a fresh private anonymous read-write mapping as an ArrayBuffer, or -errno. */
static napi_value js_mmap(napi_env env, napi_callback_info info) {
  NAPI_ARGS(env, info, 1, argv);
  int64_t length = 0;
  NAPI_CALL(env, napi_get_value_int64(env, argv[0], &length));
  /* Not validation: a zero or negative size_t would be meaningless to mmap(). */
  if (length <= 0) return mpk_number(env, -EINVAL);

  void *address = mmap(NULL, (size_t)length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (address == MAP_FAILED) return mpk_number(env, -errno);

  mpk_mapping *mapping = calloc(1, sizeof *mapping);
  if (mapping == NULL) {
    munmap(address, (size_t)length);
    return mpk_number(env, -ENOMEM);
  }
  mapping->address = address;
  mapping->length = (size_t)length;
  atomic_fetch_add(&live_mappings, 1);

  napi_value buffer;
  if (napi_create_external_arraybuffer(env, address, (size_t)length, finalize_mapping, mapping, &buffer) != napi_ok) {
    /*
     * Whether Node has already run (or will run) the finalizer on this failure
     * path is not specified, so neither the record nor the pages are touched
     * again here: at worst they leak, never a double munmap or a use after
     * free. The TypeScript layer keeps lengths under buffer.constants.MAX_LENGTH
     * so this does not happen in practice.
     */
    mpk_throw_napi_failure(env, __func__, "napi_create_external_arraybuffer");
    return NULL;
  }
  /* From here on the finalizer owns the record and the pages. */
  NAPI_CALL(env, napi_type_tag_object(env, buffer, &MAPPING_TAG));
  NAPI_CALL(env, napi_wrap(env, buffer, mapping, NULL, NULL, NULL));
  int64_t ignored;
  NAPI_CALL(env, napi_adjust_external_memory(env, length, &ignored));
  return buffer;
}

/* munmap(buffer): detach, then unmap. 0 or -errno. */
static napi_value js_munmap(napi_env env, napi_callback_info info) {
  NAPI_ARGS(env, info, 1, argv);
  void *data;
  size_t byte_length;
  mpk_mapping *mapping = live_mapping(env, __func__, argv[0], &data, &byte_length);
  if (mapping == NULL) return NULL;
  NAPI_CALL(env, napi_detach_arraybuffer(env, argv[0]));
  /* The finalizer cannot run before this call returns: Node defers it to the event loop. */
  return mpk_number(env, unmap_record(env, mapping));
}

/* addressOf(buffer): the data pointer of any ArrayBuffer, as a bigint (0n when detached). */
static napi_value js_addressOf(napi_env env, napi_callback_info info) {
  NAPI_ARGS(env, info, 1, argv);
  void *data = NULL;
  size_t byte_length = 0;
  NAPI_CALL(env, napi_get_arraybuffer_info(env, argv[0], &data, &byte_length));
  napi_value result;
  NAPI_CALL(env, napi_create_bigint_uint64(env, (uint64_t)(uintptr_t)data, &result));
  return result;
}

static napi_value js_liveMappings(napi_env env, napi_callback_info info) {
  (void)info;
  return mpk_number(env, atomic_load(&live_mappings));
}

napi_value mpk_register_mapping(napi_env env, napi_value exports) {
  static const mpk_method methods[] = {
      {"mmap", js_mmap},
      {"munmap", js_munmap},
      {"addressOf", js_addressOf},
      {"liveMappings", js_liveMappings},
  };
  return mpk_define_methods(env, exports, methods, sizeof methods / sizeof methods[0]);
}
