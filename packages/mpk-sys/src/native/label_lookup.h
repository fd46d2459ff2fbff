/* labelOf(address): the fault reporter's label for an address, for JavaScript listings. */
#ifndef MPK_LABEL_LOOKUP_H
#define MPK_LABEL_LOOKUP_H

#include <node_api.h>

napi_value mpk_register_label_lookup(napi_env env, napi_value exports);

#endif
