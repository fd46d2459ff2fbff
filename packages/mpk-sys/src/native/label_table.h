/*
 * Labels for address ranges, readable from a signal handler.
 *
 * The fault reporter names the region a faulting address belongs to. It runs
 * inside a SIGSEGV handler, where it may not allocate, take a lock (the
 * interrupted thread might hold it: deadlock), or call anything that is not
 * async-signal-safe. So the table is a fixed array in static memory, and each
 * slot is guarded by a sequence counter (a seqlock):
 *
 *  - writers (JavaScript threads: setMappingLabel, munmap, finalizers)
 *    serialise among themselves with a mutex, make the slot's counter odd,
 *    store the fields, and make it even again;
 *  - the reader (the signal handler) never locks: it copies a slot between
 *    two loads of the counter and keeps the copy only if the counter was even
 *    and unchanged. If a writer on the faulting thread itself was interrupted
 *    mid-update, the counter stays odd; the reader gives up on that slot
 *    after a few tries instead of spinning, and the region reads "unknown".
 *
 * Every field is an atomic word accessed with lock-free atomics, so a torn
 * read is detected, never undefined behaviour.
 */
#ifndef MPK_LABEL_TABLE_H
#define MPK_LABEL_TABLE_H

#include <stddef.h>
#include <stdint.h>

/* How many labelled ranges the process can have at once. */
#define LABEL_TABLE_SLOTS 4096
/* Longest label in bytes; longer ones are cut (the TypeScript layer cuts at a character boundary). */
#define LABEL_MAX_BYTES 63

/* Sets the label of exactly [start, start + length), replacing an earlier one. 0, or -ENOSPC when full. */
int label_table_set(uintptr_t start, size_t length, const char *label, size_t label_bytes);

/* Removes the label of exactly [start, start + length), if any. */
void label_table_clear(uintptr_t start, size_t length);

/* Removes every label whose range overlaps [start, start + length). */
void label_table_remove_range(uintptr_t start, size_t length);

/*
 * Async-signal-safe. Finds the smallest labelled range containing `address`;
 * copies its label (NUL-terminated) into `label` (LABEL_MAX_BYTES + 1 bytes)
 * and its start into `*start`. Returns 1 if found, 0 if not.
 */
int label_table_lookup(uintptr_t address, char *label, uintptr_t *start);

/* How many slots are in use (for tests of the table's bookkeeping). */
long label_table_used(void);

#endif
