/*
 * Module init: the constants TypeScript must never hard-code, then the
 * methods of each binding file.
 */
#include <node_api.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "label_lookup.h"
#include "label_table.h"
#include "mapping.h"
#include "napi_helpers.h"
#include "probe.h"
#include "reporter_binding.h"
#include "shared_keys.h"
#include "syscalls.h"

/* pkey_alloc()'s rights bits, in case the libc headers predate them (include/uapi/asm-generic/mman-common.h). */
#ifndef PKEY_DISABLE_ACCESS
#define PKEY_DISABLE_ACCESS 0x1
#endif
#ifndef PKEY_DISABLE_WRITE
#define PKEY_DISABLE_WRITE 0x2
#endif
#ifndef SEGV_PKUERR
#define SEGV_PKUERR 4 /* include/uapi/asm-generic/siginfo.h */
#endif

static napi_value define_constants(napi_env env, napi_value exports) {
  static const struct {
    const char *name;
    int value;
  } numbers[] = {
      {"PROT_NONE", PROT_NONE},
      {"PROT_READ", PROT_READ},
      {"PROT_WRITE", PROT_WRITE},
      {"PROT_EXEC", PROT_EXEC},
      {"PKEY_DISABLE_ACCESS", PKEY_DISABLE_ACCESS},
      {"PKEY_DISABLE_WRITE", PKEY_DISABLE_WRITE},
      {"SEGV_PKUERR", SEGV_PKUERR},
      {"LABEL_MAX_BYTES", LABEL_MAX_BYTES},
      {"LABEL_TABLE_SLOTS", LABEL_TABLE_SLOTS},
  };
  for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
    napi_value value;
    NAPI_CALL(env, napi_create_int32(env, numbers[i].value, &value));
    napi_property_descriptor descriptor = {.utf8name = numbers[i].name, .value = value, .attributes = napi_enumerable};
    NAPI_CALL(env, napi_define_properties(env, exports, 1, &descriptor));
  }

  /* Whether this build knows the pkey syscalls; without them the pkey methods answer -ENOSYS. */
#ifdef SYS_pkey_alloc
  bool pkey_syscalls = true;
#else
  bool pkey_syscalls = false;
#endif
  napi_value flag;
  NAPI_CALL(env, napi_get_boolean(env, pkey_syscalls, &flag));
  napi_property_descriptor descriptor = {.utf8name = "pkeySyscalls", .value = flag, .attributes = napi_enumerable};
  NAPI_CALL(env, napi_define_properties(env, exports, 1, &descriptor));
  return exports;
}

static napi_value init(napi_env env, napi_value exports) {
  if (define_constants(env, exports) == NULL) return NULL;
  if (mpk_register_syscalls(env, exports) == NULL) return NULL;
  if (mpk_register_mapping(env, exports) == NULL) return NULL;
  if (mpk_register_reporter(env, exports) == NULL) return NULL;
  if (mpk_register_label_lookup(env, exports) == NULL) return NULL;
  if (mpk_register_shared_keys(env, exports) == NULL) return NULL;
  if (mpk_register_probe(env, exports) == NULL) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
