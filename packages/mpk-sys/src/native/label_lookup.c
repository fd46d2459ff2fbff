/*
 * Reading the label table from JavaScript: the same lookup the fault
 * reporter's signal handler makes, so a listing of the process's mappings
 * (mpk's mappings()) can name a labelled region the way a fault report would.
 *
 * label_table_lookup() is lock-free and allocation-free; calling it from a
 * JavaScript thread is as safe as from the handler. It answers for one
 * address: the smallest labelled range containing it.
 */
#include "label_lookup.h"

#include <stdbool.h>
#include <stdint.h>

#include "label_table.h"
#include "napi_helpers.h"

/* labelOf(address: bigint): { label: string, start: bigint } for the labelled range containing it, or null. */
static napi_value js_labelOf(napi_env env, napi_callback_info info) {
  NAPI_ARGS(env, info, 1, argv);
  uint64_t address = 0;
  bool lossless = false;
  NAPI_CALL(env, napi_get_value_bigint_uint64(env, argv[0], &address, &lossless));

  napi_value result;
  char label[LABEL_MAX_BYTES + 1];
  uintptr_t start = 0;
  /* An address that does not fit (negative, or wider than 64 bits) lies in no range. */
  if (!lossless || address > UINTPTR_MAX || !label_table_lookup((uintptr_t)address, label, &start)) {
    NAPI_CALL(env, napi_get_null(env, &result));
    return result;
  }
  napi_value text, first;
  NAPI_CALL(env, napi_create_string_utf8(env, label, NAPI_AUTO_LENGTH, &text));
  NAPI_CALL(env, napi_create_bigint_uint64(env, (uint64_t)start, &first));
  NAPI_CALL(env, napi_create_object(env, &result));
  NAPI_CALL(env, napi_set_named_property(env, result, "label", text));
  NAPI_CALL(env, napi_set_named_property(env, result, "start", first));
  return result;
}

napi_value mpk_register_label_lookup(napi_env env, napi_value exports) {
  static const mpk_method methods[] = {
      {"labelOf", js_labelOf},
  };
  return mpk_define_methods(env, exports, methods, sizeof methods / sizeof methods[0]);
}
