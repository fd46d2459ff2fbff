/*
 * probeAccess: one read or write of one byte, made by a forked child of the
 * calling thread, and how that child ended.
 */
#ifndef MPK_PROBE_H
#define MPK_PROBE_H

#include <node_api.h>

napi_value mpk_register_probe(napi_env env, napi_value exports);

#endif
