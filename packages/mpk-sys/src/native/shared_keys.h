#ifndef MPK_SHARED_KEYS_H
#define MPK_SHARED_KEYS_H

#include <node_api.h>

napi_value mpk_register_shared_keys(napi_env env, napi_value exports);

#endif
