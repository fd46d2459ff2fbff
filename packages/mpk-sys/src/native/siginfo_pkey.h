/*
 * Where a SEGV_PKUERR siginfo keeps the faulting key. glibc names the field
 * si_pkey; musl's headers (1.2.3) do not, so there it is found by the
 * kernel's layout of the _sigfault union: after si_addr comes a short
 * (si_addr_lsb) padded to pointer alignment, then the 32-bit key
 * (include/uapi/asm-generic/siginfo.h). Both readers, the fault reporter's
 * handler and probeAccess's child, use these; both are async-signal-safe.
 */
#ifndef MPK_SIGINFO_PKEY_H
#define MPK_SIGINFO_PKEY_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t mpk_siginfo_pkey(const siginfo_t *info) {
#ifdef si_pkey
  return (uint32_t)info->si_pkey;
#else
  size_t pad = _Alignof(void *) > sizeof(short) ? _Alignof(void *) : sizeof(short);
  const unsigned char *field = (const unsigned char *)&info->si_addr + sizeof(void *) + pad;
  uint32_t key;
  memcpy(&key, field, sizeof key);
  return key;
#endif
}

static inline void mpk_siginfo_set_pkey(siginfo_t *info, uint32_t key) {
#ifdef si_pkey
  info->si_pkey = key;
#else
  size_t pad = _Alignof(void *) > sizeof(short) ? _Alignof(void *) : sizeof(short);
  unsigned char *field = (unsigned char *)&info->si_addr + sizeof(void *) + pad;
  memcpy(field, &key, sizeof key);
#endif
}

#endif
