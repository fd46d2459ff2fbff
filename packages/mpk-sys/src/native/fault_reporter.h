/*
 * A SIGSEGV handler that explains protection-key faults and stays out of the
 * way of every other fault.
 *
 * A protection-key violation is delivered as SIGSEGV with si_code
 * SEGV_PKUERR; without help the process just prints "Segmentation fault".
 * The reporter writes one line to stderr for such a fault and then lets the
 * process die exactly as it would have. Every other SIGSEGV belongs to
 * whoever handled SIGSEGV before (in Node: the handler that lets V8 turn an
 * out-of-bounds WebAssembly access into a catchable RuntimeError) and is
 * passed to it unchanged.
 */
#ifndef MPK_FAULT_REPORTER_H
#define MPK_FAULT_REPORTER_H

#include <signal.h>
#include <stdint.h>

/* Installs the handler (idempotent). 0, or -errno from sigaction(). */
int fault_reporter_install(void);

/* Puts the previous SIGSEGV disposition back (idempotent). 0, or -errno. */
int fault_reporter_uninstall(void);

/* Whether the reporter is installed and active. */
int fault_reporter_installed(void);

/* Fills the key field of a SIGSEGV siginfo (si_pkey), for the testing hook. */
void fault_reporter_set_pkey(siginfo_t *info, uint32_t key);

#endif
