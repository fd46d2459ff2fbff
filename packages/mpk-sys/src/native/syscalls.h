/* The page and protection-key syscalls, one JavaScript method each. */
#ifndef MPK_SYSCALLS_H
#define MPK_SYSCALLS_H

#include <node_api.h>

napi_value mpk_register_syscalls(napi_env env, napi_value exports);

#endif
