/* Fault reporter and label table methods for JavaScript. */
#ifndef MPK_REPORTER_BINDING_H
#define MPK_REPORTER_BINDING_H

#include <node_api.h>

napi_value mpk_register_reporter(napi_env env, napi_value exports);

#endif
