/*
 * The JavaScript face of the fault reporter and of the label table:
 * install/uninstall, labels for mapped ranges, and a hook for tests.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fault_reporter.h"
#include "label_table.h"
#include "mapping.h"
#include "napi_helpers.h"
#include "reporter_binding.h"

static napi_value js_installFaultReporter(napi_env env, napi_callback_info info) {
  (void)info;
  return mpk_number(env, fault_reporter_install());
}

static napi_value js_uninstallFaultReporter(napi_env env, napi_callback_info info) {
  (void)info;
  return mpk_number(env, fault_reporter_uninstall());
}

static napi_value js_faultReporterInstalled(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  NAPI_CALL(env, napi_get_boolean(env, fault_reporter_installed(), &result));
  return result;
}

/* setMappingLabel(buffer, offset, length, label | null): 0, or -ENOSPC when the table is full. */
static napi_value js_setMappingLabel(napi_env env, napi_callback_info info) {
  NAPI_ARGS(env, info, 4, argv);
  void *address;
  size_t length;
  if (!mpk_mapping_range(env, __func__, argv[0], argv[1], argv[2], &address, &length)) return NULL;
  napi_valuetype type;
  NAPI_CALL(env, napi_typeof(env, argv[3], &type));
  if (type == napi_null) {
    label_table_clear((uintptr_t)address, length);
    return mpk_number(env, 0);
  }
  char label[LABEL_MAX_BYTES + 1];
  size_t bytes = 0;
  /* Copies at most LABEL_MAX_BYTES bytes and a NUL; a non-string is a Node-API error, thrown. */
  NAPI_CALL(env, napi_get_value_string_utf8(env, argv[3], label, sizeof label, &bytes));
  return mpk_number(env, label_table_set((uintptr_t)address, length, label, bytes));
}

static napi_value js_labelCount(napi_env env, napi_callback_info info) {
  (void)info;
  return mpk_number(env, label_table_used());
}

/*
 * raiseSegvForTesting(code, address, key): sends this thread a SIGSEGV whose
 * siginfo says si_code = code, si_addr = address, si_pkey = key, as a fault
 * would. The kernel accepts a positive si_code only for a signal a process
 * sends itself (rt_tgsigqueueinfo), so this lets hosts without PKU exercise
 * the reporter's formatting and chaining. Nothing faults: if the handler
 * returns, so does this call. 0, or -errno.
 */
static napi_value js_raiseSegvForTesting(napi_env env, napi_callback_info info) {
  NAPI_ARGS(env, info, 3, argv);
  int32_t code = 0;
  uint64_t address = 0;
  uint32_t key = 0;
  bool lossless = false;
  NAPI_CALL(env, napi_get_value_int32(env, argv[0], &code));
  NAPI_CALL(env, napi_get_value_bigint_uint64(env, argv[1], &address, &lossless));
  NAPI_CALL(env, napi_get_value_uint32(env, argv[2], &key));

  siginfo_t signal_info;
  memset(&signal_info, 0, sizeof signal_info);
  signal_info.si_signo = SIGSEGV;
  signal_info.si_code = code;
  signal_info.si_addr = (void *)(uintptr_t)address;
  fault_reporter_set_pkey(&signal_info, key);
  long ret = syscall(SYS_rt_tgsigqueueinfo, (long)getpid(), (long)syscall(SYS_gettid), (long)SIGSEGV, &signal_info);
  return mpk_syscall_result(env, ret, errno);
}

napi_value mpk_register_reporter(napi_env env, napi_value exports) {
  static const mpk_method methods[] = {
      {"installFaultReporter", js_installFaultReporter},
      {"uninstallFaultReporter", js_uninstallFaultReporter},
      {"faultReporterInstalled", js_faultReporterInstalled},
      {"setMappingLabel", js_setMappingLabel},
      {"labelCount", js_labelCount},
      {"raiseSegvForTesting", js_raiseSegvForTesting},
  };
  return mpk_define_methods(env, exports, methods, sizeof methods / sizeof methods[0]);
}
