/*
 * One word of process-wide memory: the set of protection keys mpk holds, as
 * a 16-bit mask (bit k = key k).
 *
 * Keys belong to the process, but JavaScript state does not: every worker
 * thread is a new V8 isolate that loads its own copies of the modules, and a
 * copy that kept its key list in JavaScript would allocate a second set of keys
 * and own none of the first. This shared object is mapped once per process, so
 * a static here is the one place every thread sees. Publishing is a
 * compare-and-exchange, so two threads allocating at once agree on one set and
 * the loser frees its own keys.
 */
#include "shared_keys.h"

#include <stdatomic.h>
#include <stdint.h>

#include "napi_helpers.h"

static _Atomic uint32_t shared_keys;

/* sharedKeySet(): the published mask (0 when none). */
static napi_value js_sharedKeySet(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  NAPI_CALL(env, napi_create_uint32(env, atomic_load(&shared_keys), &result));
  return result;
}

/* publishSharedKeySet(expected, desired): installs desired if the mask is expected; returns the mask now in force. */
static napi_value js_publishSharedKeySet(napi_env env, napi_callback_info info) {
  NAPI_ARGS(env, info, 2, argv);
  uint32_t expected = 0, desired = 0;
  NAPI_CALL(env, napi_get_value_uint32(env, argv[0], &expected));
  NAPI_CALL(env, napi_get_value_uint32(env, argv[1], &desired));
  uint32_t seen = expected;
  uint32_t now = atomic_compare_exchange_strong(&shared_keys, &seen, desired) ? desired : seen;
  napi_value result;
  NAPI_CALL(env, napi_create_uint32(env, now, &result));
  return result;
}

napi_value mpk_register_shared_keys(napi_env env, napi_value exports) {
  static const mpk_method methods[] = {
      {"sharedKeySet", js_sharedKeySet},
      {"publishSharedKeySet", js_publishSharedKeySet},
  };
  return mpk_define_methods(env, exports, methods, sizeof methods / sizeof methods[0]);
}
