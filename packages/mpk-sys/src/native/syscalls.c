/*
 * One syscall per method, the result or -errno as a number.
 *
 * The pkey calls go through syscall(2) rather than libc wrappers: glibc has
 * had pkey_alloc() since 2.27 but musl (1.2.3) has none, while the syscall
 * numbers are in both libcs' <sys/syscall.h>. Where the headers do not know
 * the syscalls (an architecture without protection keys), the methods exist
 * and answer -ENOSYS, which is what an old kernel would say too.
 */
#include "syscalls.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mapping.h"
#include "napi_helpers.h"

/* pageSize(): sysconf(_SC_PAGESIZE), or -errno. */
static napi_value js_pageSize(napi_env env, napi_callback_info info) {
  (void)info;
  errno = 0;
  long size = sysconf(_SC_PAGESIZE);
  return mpk_syscall_result(env, size, errno != 0 ? errno : EINVAL);
}

/* pkeyAlloc(flags, accessRights): a key, or -errno. */
static napi_value js_pkeyAlloc(napi_env env, napi_callback_info info) {
  NAPI_ARGS(env, info, 2, argv);
  uint32_t flags = 0, rights = 0;
  NAPI_CALL(env, napi_get_value_uint32(env, argv[0], &flags));
  NAPI_CALL(env, napi_get_value_uint32(env, argv[1], &rights));
#ifdef SYS_pkey_alloc
  long ret = syscall(SYS_pkey_alloc, (unsigned long)flags, (unsigned long)rights);
  return mpk_syscall_result(env, ret, errno);
#else
  (void)flags;
  (void)rights;
  return mpk_number(env, -ENOSYS);
#endif
}

/* pkeyFree(key): 0, or -errno. */
static napi_value js_pkeyFree(napi_env env, napi_callback_info info) {
  NAPI_ARGS(env, info, 1, argv);
  int32_t key = 0;
  NAPI_CALL(env, napi_get_value_int32(env, argv[0], &key));
#ifdef SYS_pkey_free
  long ret = syscall(SYS_pkey_free, (long)key);
  return mpk_syscall_result(env, ret, errno);
#else
  (void)key;
  return mpk_number(env, -ENOSYS);
#endif
}

/* mprotect(buffer, offset, length, prot): 0, or -errno. */
static napi_value js_mprotect(napi_env env, napi_callback_info info) {
  NAPI_ARGS(env, info, 4, argv);
  void *address;
  size_t length;
  if (!mpk_mapping_range(env, __func__, argv[0], argv[1], argv[2], &address, &length)) return NULL;
  int32_t prot = 0;
  NAPI_CALL(env, napi_get_value_int32(env, argv[3], &prot));
  int ret = mprotect(address, length, prot);
  return mpk_syscall_result(env, ret, errno);
}

/* pkeyMprotect(buffer, offset, length, prot, key): 0, or -errno. */
static napi_value js_pkeyMprotect(napi_env env, napi_callback_info info) {
  NAPI_ARGS(env, info, 5, argv);
  void *address;
  size_t length;
  if (!mpk_mapping_range(env, __func__, argv[0], argv[1], argv[2], &address, &length)) return NULL;
  int32_t prot = 0, key = 0;
  NAPI_CALL(env, napi_get_value_int32(env, argv[3], &prot));
  NAPI_CALL(env, napi_get_value_int32(env, argv[4], &key));
#ifdef SYS_pkey_mprotect
  long ret = syscall(SYS_pkey_mprotect, address, length, (long)prot, (long)key);
  return mpk_syscall_result(env, ret, errno);
#else
  (void)address;
  (void)length;
  return mpk_number(env, -ENOSYS);
#endif
}

/* noop(): the cost of crossing into native code and back, nothing else. */
static napi_value js_noop(napi_env env, napi_callback_info info) {
  (void)env;
  (void)info;
  return NULL;
}

napi_value mpk_register_syscalls(napi_env env, napi_value exports) {
  static const mpk_method methods[] = {
      {"pageSize", js_pageSize},
      {"pkeyAlloc", js_pkeyAlloc},
      {"pkeyFree", js_pkeyFree},
      {"mprotect", js_mprotect},
      {"pkeyMprotect", js_pkeyMprotect},
      {"noop", js_noop},
  };
  return mpk_define_methods(env, exports, methods, sizeof methods / sizeof methods[0]);
}
