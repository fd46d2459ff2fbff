/*
 * mpk-pkru: the x86 PKRU register, as thin as Node-API allows.
 *
 * PKRU is a 32-bit per-thread register holding two bits for each of the 16
 * protection keys: bit 2k is AD (access disable) and bit 2k+1 is WD (write
 * disable) for key k. User code reads it with RDPKRU and writes it with
 * WRPKRU, without entering the kernel; that is the whole attraction of
 * protection keys over mprotect(). Everything else (argument checks, bit
 * arithmetic, error messages) lives in TypeScript; this file only does what
 * JavaScript cannot.
 *
 * The one thing this file must never do is execute RDPKRU or WRPKRU where the
 * operating system has not switched the feature on (CR4.PKE clear): both
 * instructions then raise #UD and the process dies with SIGILL. A CPU can
 * have PKU (CPUID.(EAX=7,ECX=0):ECX bit 3) while the OS leaves it off, e.g. a
 * kernel built without CONFIG_X86_INTEL_MEMORY_PROTECTION_KEYS, booted with
 * `nopku`, or a hypervisor that hides CR4.PKE. OSPKE (ECX bit 4) mirrors
 * CR4.PKE, so it is the bit that tells us the instructions are safe. It is
 * computed once at module init and every entry point that would execute one
 * of them checks it first, so even a direct call into the binding (bypassing
 * the TypeScript layer) throws instead of killing the process.
 *
 * Whether the CPU is Intel or AMD does not matter: both implement the same
 * instructions and bits (Wasmtime once refused AMD because AMD machines
 * reported PKU without OSPKE and then died; checking OSPKE is the fix).
 */
#include <node_api.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MPK_X86_64 1
#include <cpuid.h>
#else
#define MPK_X86_64 0
#endif

/* CPUID.(EAX=7,ECX=0):ECX */
#define CPUID7_ECX_PKU (1u << 3)
#define CPUID7_ECX_OSPKE (1u << 4)

/*
 * Set once at init when both PKU and OSPKE are present. Atomic because each
 * worker thread that loads the addon runs init again and stores the same
 * value; on x86-64 the load is a plain mov.
 */
static _Atomic bool g_pkru_usable = false;
/* What CPUID said, for the refusal message only. */
static _Atomic bool g_pku = false;
static _Atomic bool g_ospke = false;

/* Checked call: on a failed Node-API status, throw (unless something already
 * did) naming the operation, and return to JavaScript. */
#define NAPI_CALL(env, call, what)                    \
  do {                                                \
    napi_status status_ = (call);                     \
    if (__builtin_expect(status_ != napi_ok, 0)) {    \
      throw_napi_failure((env), status_, (what));     \
      return NULL;                                    \
    }                                                 \
  } while (0)

/* Failure paths stay out of line so the hot functions keep a small frame. */
#define MPK_COLD __attribute__((noinline, cold))

static MPK_COLD void throw_napi_failure(napi_env env, napi_status status,
                                        const char *what) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) return;
  const napi_extended_error_info *info = NULL;
  const char *detail = "unknown Node-API failure";
  if (napi_get_last_error_info(env, &info) == napi_ok && info != NULL &&
      info->error_message != NULL) {
    detail = info->error_message;
  }
  char message[256];
  snprintf(message, sizeof message, "mpk-pkru: %s: %s", what, detail);
  napi_throw_error(env,
                   status == napi_number_expected ? "ERR_MPK_INVALID_ARGUMENT"
                                                  : "ERR_MPK_NAPI",
                   message);
}

/*
 * The single uint32 argument of a call (write, ownBits, switcher). Returns
 * false with a JavaScript exception pending when it is missing or no number.
 */
static bool uint32_argument(napi_env env, napi_callback_info info, const char *call_what, const char *value_what,
                            uint32_t *out) {
  size_t argc = 1;
  napi_value argv[1];
  napi_status status = napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (status != napi_ok) {
    throw_napi_failure(env, status, call_what);
    return false;
  }
  status = napi_get_value_uint32(env, argv[0], out);
  if (status != napi_ok) {
    throw_napi_failure(env, status, value_what);
    return false;
  }
  return true;
}

/* The refusal that replaces a #UD: the TypeScript layer never gets here (it
 * swaps in its own throwing function at load), but the binding is callable
 * directly and must stay safe. */
static MPK_COLD napi_value refuse(napi_env env, const char *what) {
  char message[256];
  snprintf(message, sizeof message,
           "mpk-pkru: %s refused: %s, so RDPKRU/WRPKRU would raise SIGILL",
           what,
           !MPK_X86_64 ? "PKRU exists only on x86-64"
           : !g_pku    ? "the CPU does not report PKU (CPUID.7.0:ECX bit 3)"
                       : "the operating system has not enabled protection "
                         "keys (CPUID.7.0:ECX bit 4, OSPKE, is clear)");
  napi_throw_error(env, "ERR_MPK_PKRU_UNAVAILABLE", message);
  return NULL;
}

#if MPK_X86_64
/*
 * RDPKRU and WRPKRU are spelled as bytes so that no -mpku flag (and no
 * assembler that knows the mnemonics) is needed. RDPKRU requires ECX = 0 and
 * returns PKRU in EAX (EDX is zeroed). WRPKRU requires ECX = EDX = 0 and takes
 * the value in EAX.
 *
 * WRPKRU changes which memory accesses are allowed, so the compiler must not
 * move loads or stores across it: the "memory" clobber is that fence for the
 * compiler. The CPU needs no fence: accesses governed by PKRU do not execute,
 * not even transiently, before an earlier WRPKRU has updated the register
 * (which is also why WRPKRU costs tens of cycles rather than one).
 */
static inline uint32_t rdpkru(void) {
  uint32_t eax, edx;
  __asm__ volatile(".byte 0x0f, 0x01, 0xee"
                   : "=a"(eax), "=d"(edx)
                   : "c"(0));
  (void)edx;
  return eax;
}

static inline void wrpkru(uint32_t value) {
  __asm__ volatile(".byte 0x0f, 0x01, 0xef"
                   :
                   : "a"(value), "c"(0), "d"(0)
                   : "memory");
}
#else
/* Never reached: g_pkru_usable stays false off x86-64. */
static inline uint32_t rdpkru(void) { return 0; }
static inline void wrpkru(uint32_t value) { (void)value; }
#endif

/*
 * The switch both update() and the prepared switches make: replace the bits
 * in `owned` with value's, keep every other bit, and hand back the old PKRU
 * as an int32. A PKRU with bit 31 set (key 15 write-disabled, as in every
 * mask built on zero()) does not fit V8's small integers as a uint32, and
 * napi_create_uint32 would allocate a heap number on every switch; callers
 * in TypeScript turn it back into a uint32 with `>>> 0`.
 */
static inline napi_value swap_owned_bits(napi_env env, uint32_t value, uint32_t owned, const char *what) {
  uint32_t old = rdpkru();
  wrpkru((old & ~owned) | (value & owned));
  napi_value result;
  NAPI_CALL(env, napi_create_int32(env, (int32_t)old, &result), what);
  return result;
}

/* read(): number — PKRU of the calling thread, as a uint32. */
static napi_value pkru_read(napi_env env, napi_callback_info info) {
  (void)info;
  if (__builtin_expect(!g_pkru_usable, 0)) return refuse(env, "read");
  napi_value result;
  NAPI_CALL(env, napi_create_uint32(env, rdpkru(), &result),
            "read: napi_create_uint32");
  return result;
}

/* write(value): undefined — replaces the calling thread's whole PKRU. */
static napi_value pkru_write(napi_env env, napi_callback_info info) {
  if (__builtin_expect(!g_pkru_usable, 0)) return refuse(env, "write");
  uint32_t value;
  if (!uint32_argument(env, info, "write: napi_get_cb_info", "write: value must be a number", &value)) return NULL;
  wrpkru(value);
  return NULL;
}

/*
 * update(value, ownedBits): number — the hot path. In one native call: read
 * PKRU, replace only the bits in ownedBits with those of value, write it
 * back, and return the old PKRU (so the caller can restore with
 * update(old, ownedBits)). Bits outside ownedBits belong to other owners in
 * the process (V8 keeps key 1 write-disabled for its code space) and are
 * carried over untouched. No allocation unless the old value needs more than
 * a small integer.
 */
static napi_value pkru_update(napi_env env, napi_callback_info info) {
  if (__builtin_expect(!g_pkru_usable, 0)) return refuse(env, "update");
  size_t argc = 2;
  napi_value argv[2];
  uint32_t value, owned;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL),
            "update: napi_get_cb_info");
  NAPI_CALL(env, napi_get_value_uint32(env, argv[0], &value),
            "update: value must be a number");
  NAPI_CALL(env, napi_get_value_uint32(env, argv[1], &owned),
            "update: ownedBits must be a number");
  return swap_owned_bits(env, value, owned, "update: napi_create_int32");
}

/*
 * The PKRU bits the library owns, process-wide. Keys are a process resource
 * (every thread, every worker isolate shares them), and so is the set of
 * bits a switch may change; bits are only ever added (keys are never freed).
 */
static _Atomic uint32_t g_owned_bits;

/* ownBits(bits): number — adds bits to the owned set, returns the whole set. */
static napi_value pkru_own_bits(napi_env env, napi_callback_info info) {
  uint32_t bits;
  if (!uint32_argument(env, info, "ownBits: napi_get_cb_info", "ownBits: bits must be a number", &bits)) return NULL;
  uint32_t now = atomic_fetch_or(&g_owned_bits, bits) | bits;
  napi_value result;
  NAPI_CALL(env, napi_create_uint32(env, now, &result), "ownBits: napi_create_uint32");
  return result;
}

/*
 * The switch itself: a function with no arguments whose mask value rides in
 * its callback data, so a call converts nothing from JavaScript. It reads
 * PKRU, replaces the owned bits with the mask's and writes it back, and
 * returns the old value as an int32 (no heap number for bit 31).
 */
static napi_value pkru_apply_switch(napi_env env, napi_callback_info info) {
  if (__builtin_expect(!g_pkru_usable, 0)) return refuse(env, "switch");
  void *data;
  NAPI_CALL(env, napi_get_cb_info(env, info, NULL, NULL, NULL, &data),
            "switch: napi_get_cb_info");
  uint32_t value = (uint32_t)(uintptr_t)data;
  uint32_t owned = atomic_load_explicit(&g_owned_bits, memory_order_relaxed);
  return swap_owned_bits(env, value, owned, "switch: napi_create_int32");
}

/* switcher(value): function — a switch to `value` (see pkru_apply_switch). */
static napi_value pkru_switcher(napi_env env, napi_callback_info info) {
  napi_value fn;
  uint32_t value;
  if (!uint32_argument(env, info, "switcher: napi_get_cb_info", "switcher: value must be a number", &value)) return NULL;
  NAPI_CALL(env,
            napi_create_function(env, "switch", NAPI_AUTO_LENGTH, pkru_apply_switch,
                                 (void *)(uintptr_t)value, &fn),
            "switcher: napi_create_function");
  return fn;
}

/* noop(): the floor for benchmarks — an empty Node-API call. Keep it empty. */
static napi_value noop(napi_env env, napi_callback_info info) {
  (void)env;
  (void)info;
  return NULL;
}

typedef struct {
  bool pku;
  bool ospke;
  char vendor[13]; /* CPUID leaf 0: EBX, EDX, ECX; "" where unknown */
} cpu_probe;

static cpu_probe probe_cpu(void) {
  cpu_probe p = {false, false, {0}};
#if MPK_X86_64
  unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(0, &eax, &ebx, &ecx, &edx)) {
    memcpy(p.vendor + 0, &ebx, 4);
    memcpy(p.vendor + 4, &edx, 4);
    memcpy(p.vendor + 8, &ecx, 4);
    p.vendor[12] = '\0';
  }
  /* __get_cpuid_count returns 0 when the maximum basic leaf is below 7. */
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) {
    p.pku = (ecx & CPUID7_ECX_PKU) != 0;
    p.ospke = (ecx & CPUID7_ECX_OSPKE) != 0;
  }
#endif
  return p;
}

static napi_value init(napi_env env, napi_value exports) {
  cpu_probe cpu = probe_cpu();
  /* OSPKE is the bit that makes the instructions legal; PKU is required too
   * so that a hypervisor reporting an impossible combination is refused. */
  g_pku = cpu.pku;
  g_ospke = cpu.ospke;
  g_pkru_usable = cpu.pku && cpu.ospke;

  napi_value pku, ospke, vendor, fn_read, fn_write, fn_update, fn_noop, fn_own_bits, fn_switcher;
  NAPI_CALL(env, napi_get_boolean(env, cpu.pku, &pku), "init: pku");
  NAPI_CALL(env, napi_get_boolean(env, cpu.ospke, &ospke), "init: ospke");
  NAPI_CALL(env,
            napi_create_string_latin1(env, cpu.vendor, strlen(cpu.vendor),
                                      &vendor),
            "init: vendor");
  /* Named functions, so stack traces say which native call threw. */
  NAPI_CALL(env,
            napi_create_function(env, "read", NAPI_AUTO_LENGTH, pkru_read,
                                 NULL, &fn_read),
            "init: read");
  NAPI_CALL(env,
            napi_create_function(env, "write", NAPI_AUTO_LENGTH, pkru_write,
                                 NULL, &fn_write),
            "init: write");
  NAPI_CALL(env,
            napi_create_function(env, "update", NAPI_AUTO_LENGTH, pkru_update,
                                 NULL, &fn_update),
            "init: update");
  NAPI_CALL(env,
            napi_create_function(env, "noop", NAPI_AUTO_LENGTH, noop, NULL,
                                 &fn_noop),
            "init: noop");

  NAPI_CALL(env,
            napi_create_function(env, "ownBits", NAPI_AUTO_LENGTH, pkru_own_bits,
                                 NULL, &fn_own_bits),
            "init: ownBits");
  NAPI_CALL(env,
            napi_create_function(env, "switcher", NAPI_AUTO_LENGTH, pkru_switcher,
                                 NULL, &fn_switcher),
            "init: switcher");

  napi_property_descriptor props[] = {
      {"pku", NULL, NULL, NULL, NULL, pku, napi_enumerable, NULL},
      {"ospke", NULL, NULL, NULL, NULL, ospke, napi_enumerable, NULL},
      {"vendor", NULL, NULL, NULL, NULL, vendor, napi_enumerable, NULL},
      {"read", NULL, NULL, NULL, NULL, fn_read, napi_enumerable, NULL},
      {"write", NULL, NULL, NULL, NULL, fn_write, napi_enumerable, NULL},
      {"update", NULL, NULL, NULL, NULL, fn_update, napi_enumerable, NULL},
      {"noop", NULL, NULL, NULL, NULL, fn_noop, napi_enumerable, NULL},
      {"ownBits", NULL, NULL, NULL, NULL, fn_own_bits, napi_enumerable, NULL},
      {"switcher", NULL, NULL, NULL, NULL, fn_switcher, napi_enumerable, NULL},
  };
  NAPI_CALL(env,
            napi_define_properties(env, exports,
                                   sizeof props / sizeof props[0], props),
            "init: napi_define_properties");
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
