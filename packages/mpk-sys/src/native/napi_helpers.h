/*
 * Checked Node-API calls shared by every binding file.
 *
 * The binding is deliberately thin: each method does one syscall and hands
 * back its result, or -errno, as a number; the TypeScript layer validates
 * arguments and turns negative results into Node-style system errors. The
 * only checks made here are the ones that keep C itself memory safe, plus the
 * status of every Node-API call: a failed call throws a JavaScript Error that
 * names the method and the call, so a misuse can never continue with garbage.
 */
#ifndef MPK_NAPI_HELPERS_H
#define MPK_NAPI_HELPERS_H

#include <node_api.h>
#include <stdint.h>

/*
 * Throws an Error naming `method` (a C function name; a leading "js_" is
 * dropped so it reads as the JavaScript method) and the Node-API call that
 * failed, unless an exception is already pending.
 */
void mpk_throw_napi_failure(napi_env env, const char *method, const char *call);

/* The JavaScript name of a binding function: its C name without the "js_" prefix. */
const char *mpk_method_name(const char *function);

/* Evaluates a Node-API call; on failure throws and returns NULL from the caller. */
#define NAPI_CALL(env, call)                                   \
  do {                                                         \
    if ((call) != napi_ok) {                                   \
      mpk_throw_napi_failure((env), __func__, #call);          \
      return NULL;                                             \
    }                                                          \
  } while (0)

/* Fills argv[0..count) from the call; missing arguments become undefined. */
#define NAPI_ARGS(env, info, count, argv)                                  \
  size_t argc_ = (count);                                                  \
  napi_value argv[(count)];                                                \
  NAPI_CALL((env), napi_get_cb_info((env), (info), &argc_, argv, NULL, NULL))

/* A number for JavaScript: a syscall's result, or -errno. NULL if that failed (exception pending). */
napi_value mpk_number(napi_env env, int64_t value);

/* The result of a syscall that returned `ret` and left `saved_errno`: ret if >= 0, else -saved_errno. */
napi_value mpk_syscall_result(napi_env env, long ret, int saved_errno);

/* Defines `count` methods on `exports` (writable and configurable, like JS methods). */
typedef struct {
  const char *name;
  napi_callback callback;
} mpk_method;

napi_value mpk_define_methods(napi_env env, napi_value exports, const mpk_method *methods, size_t count);

#endif
