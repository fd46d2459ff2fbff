/*
 * The fault reporter's signal handler. Everything reachable from on_sigsegv()
 * is async-signal-safe: no allocation, no locks, no stdio; the line is
 * formatted by hand into a stack buffer and written with write(2).
 *
 * What the line contains, and where each part comes from:
 *
 *  - address: si_addr, the data address whose access was refused.
 *  - key: si_pkey, the key of the page (the kernel fills it for SEGV_PKUERR).
 *    glibc (2.27+) and musl both define the si_pkey accessor; where a libc's
 *    headers lack it, the field is read at the kernel's layout: in the
 *    _sigfault union, after si_addr, padded to the larger of a pointer's
 *    alignment and a short (include/uapi/asm-generic/siginfo.h).
 *  - pkru: the interrupted thread's PKRU. A handler runs with the kernel's
 *    default PKRU, so reading the register here would say nothing about the
 *    thread; the interrupted value is in the signal frame's XSAVE area
 *    (uc_mcontext.fpregs). PKRU is XSAVE state component 9; in the standard
 *    (non-compacted) format that signal frames use, its offset is CPUID leaf
 *    0xD subleaf 9 EBX, read once at install time. The frame's software
 *    bytes (at 464 in the legacy area: magic, features, size) say whether the
 *    frame is an XSAVE frame with component 9 in it, and XSTATE_BV (the
 *    first word of the XSAVE header at offset 512) says whether the component
 *    was saved: if its bit 9 is clear, PKRU was in its init state, 0.
 *    On other architectures, or without XSAVE/PKU, it prints "unknown".
 *  - tid: the kernel thread id (gettid), so the line can be matched with a
 *    worker thread.
 *  - region: the label_table entry containing the address, and the offset.
 *
 * After a SEGV_PKUERR line the previous disposition is restored and the
 * handler returns: the faulting instruction runs again and faults again, now
 * into whatever handled SIGSEGV before (in the end the default action), so
 * the exit status and the core dump are what they would have been.
 */
#include "fault_reporter.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include "label_table.h"
#include "siginfo_pkey.h"

#ifndef SEGV_PKUERR
#define SEGV_PKUERR 4 /* include/uapi/asm-generic/siginfo.h */
#endif

enum { NOT_INSTALLED = 0, ACTIVE = 1, PASSTHROUGH = 2 };

/*
 * ACTIVE: installed and reporting. PASSTHROUGH: uninstalled while another
 * handler had been installed on top of ours; that handler may still chain to
 * us, so we keep forwarding everything to `previous` without reporting.
 */
static atomic_int state;
/* Written before `state` becomes ACTIVE (release), read by the handler after loading it (acquire). */
static struct sigaction previous;
static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;
/* Offset of PKRU in a standard-format XSAVE area; -1 if unknown. */
static long pkru_offset = -1;

static void on_sigsegv(int signo, siginfo_t *info, void *context);

/* ---- async-signal-safe formatting ---------------------------------------- */

typedef struct {
  char *buffer;
  size_t used;
  size_t capacity;
} line;

static void put_bytes(line *l, const char *bytes, size_t count) {
  for (size_t i = 0; i < count && l->used < l->capacity; i++) l->buffer[l->used++] = bytes[i];
}

static void put_str(line *l, const char *text) {
  size_t n = 0;
  while (text[n] != '\0') n++;
  put_bytes(l, text, n);
}

/* Hexadecimal without prefix, at least `digits` digits. */
static void put_hex(line *l, uint64_t value, int digits) {
  char out[16];
  int n = 0;
  do {
    out[n++] = "0123456789abcdef"[value & 0xf];
    value >>= 4;
  } while (value != 0 && n < 16);
  while (n < digits && n < 16) out[n++] = '0';
  while (n > 0) put_bytes(l, &out[--n], 1);
}

static void put_dec(line *l, uint64_t value) {
  char out[20];
  int n = 0;
  do {
    out[n++] = (char)('0' + value % 10);
    value /= 10;
  } while (value != 0 && n < 20);
  while (n > 0) put_bytes(l, &out[--n], 1);
}

static void write_all(int fd, const char *bytes, size_t count) {
  while (count > 0) {
    ssize_t n = write(fd, bytes, count);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    bytes += n;
    count -= (size_t)n;
  }
}

/* ---- the parts of the line ---------------------------------------------- */


void fault_reporter_set_pkey(siginfo_t *info, uint32_t key) { mpk_siginfo_set_pkey(info, key); }

#if defined(__x86_64__)
static uint64_t load_u64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

static uint32_t load_u32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
#endif

/* The interrupted thread's PKRU from the signal frame; 0 when it cannot be known. */
static int interrupted_pkru(const void *context, uint32_t *pkru) {
#if defined(__x86_64__)
  enum {
    SW_BYTES = 464,           /* struct _fpx_sw_bytes in the legacy area's software-reserved bytes */
    XSAVE_HEADER = 512,       /* XSTATE_BV is the header's first 8 bytes */
    XSTATE_MAGIC = 0x46505853, /* FP_XSTATE_MAGIC1: the frame has XSAVE state */
    PKRU_COMPONENT = 9,
  };
  const ucontext_t *uc = context;
  const unsigned char *area = (const unsigned char *)uc->uc_mcontext.fpregs;
  if (area == NULL || pkru_offset < 0) return 0;
  if (load_u32(area + SW_BYTES) != XSTATE_MAGIC) return 0; /* a legacy FXSAVE-only frame */
  uint64_t features = load_u64(area + SW_BYTES + 8);
  uint32_t xstate_size = load_u32(area + SW_BYTES + 16);
  if (!(features & (1ull << PKRU_COMPONENT))) return 0;
  if ((uint64_t)pkru_offset + 4 > xstate_size) return 0;
  uint64_t xstate_bv = load_u64(area + XSAVE_HEADER);
  *pkru = (xstate_bv & (1ull << PKRU_COMPONENT)) ? load_u32(area + pkru_offset) : 0;
  return 1;
#else
  (void)context;
  (void)pkru;
  return 0;
#endif
}

static void report(const siginfo_t *info, const void *context) {
  char buffer[320];
  line l = {buffer, 0, sizeof buffer - 1};
  uintptr_t address = (uintptr_t)info->si_addr;

  put_str(&l, "mpk: protection key violation: address=0x");
  put_hex(&l, address, 1);
  put_str(&l, " key=");
  put_dec(&l, mpk_siginfo_pkey(info));
  put_str(&l, " pkru=");
  uint32_t pkru;
  if (interrupted_pkru(context, &pkru)) {
    put_str(&l, "0x");
    put_hex(&l, pkru, 8);
  } else {
    put_str(&l, "unknown");
  }
  put_str(&l, " tid=");
  put_dec(&l, (uint64_t)syscall(SYS_gettid));
  put_str(&l, " region=");
  char label[LABEL_MAX_BYTES + 1];
  uintptr_t start;
  if (label_table_lookup(address, label, &start)) {
    put_str(&l, "\"");
    put_str(&l, label);
    put_str(&l, "\"+0x");
    put_hex(&l, address - start, 1);
  } else {
    put_str(&l, "unknown");
  }
  buffer[l.used++] = '\n';
  write_all(STDERR_FILENO, buffer, l.used);
}

/* ---- the handler --------------------------------------------------------- */

static int we_are_current(void) {
  struct sigaction current;
  if (sigaction(SIGSEGV, NULL, &current) != 0) return 0;
  return (current.sa_flags & SA_SIGINFO) && current.sa_sigaction == on_sigsegv;
}

/* Puts `previous` back if our handler is still the installed one. */
static void restore_previous(void) {
  if (we_are_current()) {
    sigaction(SIGSEGV, &previous, NULL);
    atomic_store(&state, NOT_INSTALLED);
  }
}

/*
 * Hands a signal to the handler that was installed before us, as the kernel
 * would have: a SA_SIGINFO handler gets the same three arguments (V8's
 * WebAssembly trap handler rewrites the context's instruction pointer, so it
 * must see the real one). A default or ignored disposition is put back and
 * the handler returns: a real fault then happens again and takes the default
 * action; a signal that was sent rather than caused by a fault is sent again,
 * since returning would otherwise swallow it.
 */
static void forward(int signo, siginfo_t *info, void *context) {
  if (previous.sa_flags & SA_SIGINFO) {
    if (previous.sa_sigaction != NULL) previous.sa_sigaction(signo, info, context);
    return;
  }
  if (previous.sa_handler == SIG_DFL || previous.sa_handler == SIG_IGN) {
    if (we_are_current()) {
      sigaction(SIGSEGV, &previous, NULL);
      atomic_store(&state, NOT_INSTALLED);
    } else {
      /* Someone installed over us and chained here: fall back on the default action. */
      struct sigaction fallback;
      memset(&fallback, 0, sizeof fallback);
      fallback.sa_handler = SIG_DFL;
      sigaction(SIGSEGV, &fallback, NULL);
    }
    if (info == NULL || info->si_code <= 0) raise(signo);
    return;
  }
  previous.sa_handler(signo);
}

static void on_sigsegv(int signo, siginfo_t *info, void *context) {
  int saved_errno = errno;
  int current = atomic_load_explicit(&state, memory_order_acquire);
  if (current == ACTIVE && info != NULL && info->si_code == SEGV_PKUERR) {
    report(info, context);
    if (we_are_current()) {
      restore_previous();
    } else {
      forward(signo, info, context);
    }
  } else {
    forward(signo, info, context);
  }
  errno = saved_errno;
}

/* ---- install / uninstall ------------------------------------------------- */

static void find_pkru_offset(void) {
#if defined(__x86_64__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  /* Sub-leaf 9 of leaf 0xD: EAX = size of the PKRU component, EBX = its offset (0 without PKU). */
  if (__get_cpuid_count(0xd, 9, &eax, &ebx, &ecx, &edx) && eax != 0 && ebx >= 576) pkru_offset = (long)ebx;
#endif
}

int fault_reporter_install(void) {
  pthread_mutex_lock(&install_lock);
  int result = 0;
  int current = atomic_load(&state);
  if (current == PASSTHROUGH) {
    /* Still in the chain under someone else's handler: just start reporting again. */
    atomic_store(&state, ACTIVE);
  } else if (current == NOT_INSTALLED) {
    find_pkru_offset();
    struct sigaction ours;
    memset(&ours, 0, sizeof ours);
    ours.sa_sigaction = on_sigsegv;
    ours.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&ours.sa_mask);
    /* `previous` must be in place before the handler can run. */
    if (sigaction(SIGSEGV, NULL, &previous) != 0) {
      result = -errno;
    } else {
      atomic_store_explicit(&state, ACTIVE, memory_order_release);
      if (sigaction(SIGSEGV, &ours, NULL) != 0) {
        result = -errno;
        atomic_store(&state, NOT_INSTALLED);
      }
    }
  }
  pthread_mutex_unlock(&install_lock);
  return result;
}

int fault_reporter_uninstall(void) {
  pthread_mutex_lock(&install_lock);
  int result = 0;
  if (atomic_load(&state) == ACTIVE) {
    if (we_are_current()) {
      if (sigaction(SIGSEGV, &previous, NULL) != 0) result = -errno;
      else atomic_store(&state, NOT_INSTALLED);
    } else {
      atomic_store(&state, PASSTHROUGH);
    }
  }
  pthread_mutex_unlock(&install_lock);
  return result;
}

int fault_reporter_installed(void) {
  return atomic_load(&state) == ACTIVE;
}
