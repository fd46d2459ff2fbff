/*
 * probeAccess(buffer, offset, write): fork, let the child make one access,
 * and report how the child ended.
 *
 * Why fork: a protection fault cannot be survived (the faulting instruction
 * would only run again), so testing "does this access fault?" in-process is
 * impossible, and a fresh Node process per question costs seconds under
 * emulation. fork() is cheap and, unlike exec, keeps what matters:
 *
 *  - the child's only thread is a copy of the CALLING thread, with its PKRU
 *    (the kernel copies the register with the rest of the FPU/XSAVE state);
 *  - the mapping is copied with its protection and its protection key (the
 *    key is part of the VMA and the page-table entries, both copied).
 *
 * So the child's access is checked exactly as the calling thread's own access
 * would be, and a fault costs only the child.
 *
 * The child of a multi-threaded process may only use async-signal-safe
 * functions until it exits (POSIX; another thread may have held a lock at
 * the fork). It uses sigaction, sigemptyset, sigaddset, sigprocmask, write,
 * close, _exit and memset/memcpy (async-signal-safe since POSIX.1-2016),
 * nothing else: no malloc, no stdio, no Node-API.
 *
 * The child's SIGSEGV handler writes one fixed-size record (si_code, si_pkey,
 * si_addr) to a pipe and _exit()s with FAULT_STATUS. A handler runs with the
 * kernel's default PKRU, but it touches only its own stack, a static and the
 * pipe, all key-0 memory. A write probe stores into the child's copy of the
 * page: the mapping is MAP_PRIVATE, so after fork the page is copy-on-write
 * and the parent's memory never changes.
 *
 * si_pkey: glibc (2.27+) and musl (1.1.20+) both define the accessor. Where a
 * libc's headers lack it, it is read at the kernel's layout instead
 * (include/uapi/asm-generic/siginfo.h): in the _sigfault union, si_pkey
 * follows si_addr after padding to the larger of a pointer's alignment and a
 * short (the _addr_lsb short that starts the union). The kernel fills it only
 * for SEGV_PKUERR; for other codes the parent reports no key.
 *
 * The result, for TypeScript to shape: an object { exitCode, signal, faulted,
 * code, pkey, address } (exitCode -1 when the child was killed, signal 0 when
 * it was not), or -errno when pipe, fork or waitpid failed.
 */
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mapping.h"
#include "napi_helpers.h"
#include "siginfo_pkey.h"

#ifndef SEGV_PKUERR
#define SEGV_PKUERR 4 /* include/uapi/asm-generic/siginfo.h */
#endif

/* The child's exit statuses: the access completed, or the handler reported a SIGSEGV. */
enum { OK_STATUS = 0, FAULT_STATUS = 111, SETUP_STATUS = 112 };

typedef struct {
  uint32_t magic;
  int32_t code;
  uint32_t pkey;
  uint32_t reserved;
  uint64_t address;
} fault_record;

#define RECORD_MAGIC 0x6d706b50u /* "Pkpm" */

/* The write end of the pipe, in the child only. */
static int record_fd = -1;


/* The child's SIGSEGV handler: async-signal-safe only. */
static void on_fault(int signal, siginfo_t *info, void *context) {
  (void)signal;
  (void)context;
  fault_record record = {
      .magic = RECORD_MAGIC,
      .code = info->si_code,
      .pkey = info->si_code == SEGV_PKUERR ? mpk_siginfo_pkey(info) : 0,
      .address = (uint64_t)(uintptr_t)info->si_addr,
  };
  /* sizeof record < PIPE_BUF: one write, all or nothing. */
  ssize_t n;
  do {
    n = write(record_fd, &record, sizeof record);
  } while (n < 0 && errno == EINTR);
  _exit(FAULT_STATUS);
}

/* The child: handler, unblock, one access, exit. Never returns. */
__attribute__((noreturn)) static void run_child(int fd, volatile unsigned char *address, int write_access) {
  record_fd = fd;
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = on_fault;
  action.sa_flags = SA_SIGINFO;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGSEGV, &action, NULL) != 0) _exit(SETUP_STATUS);
  /* A blocked SIGSEGV raised by a fault would kill the child without the handler. */
  sigset_t segv;
  sigemptyset(&segv);
  sigaddset(&segv, SIGSEGV);
  if (sigprocmask(SIG_UNBLOCK, &segv, NULL) != 0) _exit(SETUP_STATUS);

  if (write_access) {
    *address = 0xa5;
  } else {
    unsigned char value = *address;
    (void)value;
  }
  _exit(OK_STATUS);
}

static napi_value set_int(napi_env env, napi_value object, const char *name, int64_t value) {
  napi_value v;
  NAPI_CALL(env, napi_create_int64(env, value, &v));
  NAPI_CALL(env, napi_set_named_property(env, object, name, v));
  return object;
}

/* probeAccess(buffer, offset, write): the child's ending as an object, or -errno. */
static napi_value js_probeAccess(napi_env env, napi_callback_info info) {
  NAPI_ARGS(env, info, 3, argv);
  void *address;
  size_t length;
  napi_value one;
  NAPI_CALL(env, napi_create_int32(env, 1, &one));
  /* Exactly the byte to touch must lie inside a live mapping of ours. */
  if (!mpk_mapping_range(env, __func__, argv[0], argv[1], one, &address, &length)) return NULL;
  bool write_access = false;
  NAPI_CALL(env, napi_get_value_bool(env, argv[2], &write_access));

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return mpk_number(env, -errno);
  pid_t pid = fork();
  if (pid < 0) {
    int saved = errno;
    close(fds[0]);
    close(fds[1]);
    return mpk_number(env, -saved);
  }
  if (pid == 0) {
    close(fds[0]);
    run_child(fds[1], (volatile unsigned char *)address, write_access);
  }
  close(fds[1]);

  int status = 0;
  pid_t waited;
  do {
    waited = waitpid(pid, &status, 0);
  } while (waited < 0 && errno == EINTR);
  if (waited < 0) {
    int saved = errno;
    close(fds[0]);
    return mpk_number(env, -saved);
  }

  /* The child has exited, so the record (if any) is already in the pipe. */
  fault_record record;
  memset(&record, 0, sizeof record);
  size_t got = 0;
  while (got < sizeof record) {
    ssize_t n = read(fds[0], (char *)&record + got, sizeof record - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
  }
  close(fds[0]);
  bool faulted = got == sizeof record && record.magic == RECORD_MAGIC && WIFEXITED(status) &&
                 WEXITSTATUS(status) == FAULT_STATUS;

  napi_value result;
  NAPI_CALL(env, napi_create_object(env, &result));
  if (set_int(env, result, "exitCode", WIFEXITED(status) ? WEXITSTATUS(status) : -1) == NULL) return NULL;
  if (set_int(env, result, "signal", faulted ? SIGSEGV : WIFSIGNALED(status) ? WTERMSIG(status) : 0) == NULL) return NULL;
  napi_value flag;
  NAPI_CALL(env, napi_get_boolean(env, faulted, &flag));
  NAPI_CALL(env, napi_set_named_property(env, result, "faulted", flag));
  if (set_int(env, result, "code", faulted ? record.code : 0) == NULL) return NULL;
  if (set_int(env, result, "pkey", faulted && record.code == SEGV_PKUERR ? (int64_t)record.pkey : -1) == NULL) return NULL;
  napi_value where;
  NAPI_CALL(env, napi_create_bigint_uint64(env, faulted ? record.address : 0, &where));
  NAPI_CALL(env, napi_set_named_property(env, result, "address", where));
  return result;
}

napi_value mpk_register_probe(napi_env env, napi_value exports) {
  static const mpk_method methods[] = {
      {"probeAccess", js_probeAccess},
  };
  return mpk_define_methods(env, exports, methods, sizeof methods / sizeof methods[0]);
}
