#include "napi_helpers.h"

#include <stdio.h>
#include <string.h>

void mpk_throw_napi_failure(napi_env env, const char *method, const char *call) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) return;

  const napi_extended_error_info *info = NULL;
  const char *reason = NULL;
  if (napi_get_last_error_info(env, &info) == napi_ok && info != NULL) reason = info->error_message;

  method = mpk_method_name(method);
  char message[512];
  snprintf(message, sizeof message, "mpk-sys: %s: %s failed: %s", method, call,
           reason != NULL ? reason : "unknown Node-API error");
  napi_throw_error(env, "ERR_MPK_NATIVE", message);
}

const char *mpk_method_name(const char *function) {
  return strncmp(function, "js_", 3) == 0 ? function + 3 : function;
}

napi_value mpk_number(napi_env env, int64_t value) {
  napi_value result;
  NAPI_CALL(env, napi_create_int64(env, value, &result));
  return result;
}

napi_value mpk_syscall_result(napi_env env, long ret, int saved_errno) {
  return mpk_number(env, ret >= 0 ? (int64_t)ret : -(int64_t)saved_errno);
}

napi_value mpk_define_methods(napi_env env, napi_value exports, const mpk_method *methods, size_t count) {
  for (size_t i = 0; i < count; i++) {
    /*
     * Writable and configurable (not enumerable), the attributes of a method
     * on a JS class: tests can spy on a method to prove that the TypeScript
     * layer refused a bad argument before any syscall was made.
     */
    napi_property_descriptor descriptor = {
        .utf8name = methods[i].name,
        .method = methods[i].callback,
        .attributes = napi_default_method,
    };
    NAPI_CALL(env, napi_define_properties(env, exports, 1, &descriptor));
  }
  return exports;
}
