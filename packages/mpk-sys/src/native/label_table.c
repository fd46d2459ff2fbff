#include "label_table.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

/* The reader must not fall back on a lock inside the signal handler. */
_Static_assert(ATOMIC_LONG_LOCK_FREE == 2, "label table needs lock-free atomic long");
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "label table needs lock-free atomic int");
_Static_assert(sizeof(unsigned long) >= sizeof(uintptr_t), "an unsigned long must hold an address");

#define LABEL_WORDS ((LABEL_MAX_BYTES + 1 + sizeof(unsigned long) - 1) / sizeof(unsigned long))
/* A slot being rewritten by the interrupted thread stays odd: try a few times, then skip it. */
#define READ_ATTEMPTS 4

typedef struct {
  atomic_uint sequence;          /* odd while a writer is inside */
  atomic_ulong start;            /* 0: the slot is free */
  atomic_ulong length;
  atomic_ulong label[LABEL_WORDS]; /* NUL-terminated bytes, packed into words */
} slot;

static slot table[LABEL_TABLE_SLOTS];
static pthread_mutex_t writers = PTHREAD_MUTEX_INITIALIZER;
static atomic_long used;

/* Writers only, with `writers` held. */
static void write_slot(slot *s, uintptr_t start, size_t length, const char *label, size_t label_bytes) {
  unsigned sequence = atomic_load_explicit(&s->sequence, memory_order_relaxed);
  atomic_store_explicit(&s->sequence, sequence + 1, memory_order_relaxed);
  atomic_thread_fence(memory_order_release);

  atomic_store_explicit(&s->start, start, memory_order_relaxed);
  atomic_store_explicit(&s->length, length, memory_order_relaxed);
  for (size_t w = 0; w < LABEL_WORDS; w++) {
    union {
      unsigned long word;
      char bytes[sizeof(unsigned long)];
    } chunk = {0};
    for (size_t b = 0; b < sizeof chunk.bytes; b++) {
      size_t i = w * sizeof chunk.bytes + b;
      chunk.bytes[b] = (label != NULL && i < label_bytes && i < LABEL_MAX_BYTES) ? label[i] : '\0';
    }
    atomic_store_explicit(&s->label[w], chunk.word, memory_order_relaxed);
  }

  atomic_store_explicit(&s->sequence, sequence + 2, memory_order_release);
}

static int same_range(const slot *s, uintptr_t start, size_t length) {
  return atomic_load_explicit(&s->start, memory_order_relaxed) == start &&
         atomic_load_explicit(&s->length, memory_order_relaxed) == length;
}

int label_table_set(uintptr_t start, size_t length, const char *label, size_t label_bytes) {
  if (start == 0) return -EINVAL; /* 0 marks a free slot */
  pthread_mutex_lock(&writers);
  slot *target = NULL, *free_slot = NULL;
  for (size_t i = 0; i < LABEL_TABLE_SLOTS && target == NULL; i++) {
    if (same_range(&table[i], start, length)) target = &table[i];
    else if (free_slot == NULL && atomic_load_explicit(&table[i].start, memory_order_relaxed) == 0) free_slot = &table[i];
  }
  int result = 0;
  if (target == NULL && free_slot == NULL) {
    result = -ENOSPC;
  } else {
    if (target == NULL) {
      target = free_slot;
      atomic_fetch_add(&used, 1);
    }
    write_slot(target, start, length, label, label_bytes);
  }
  pthread_mutex_unlock(&writers);
  return result;
}

void label_table_clear(uintptr_t start, size_t length) {
  if (start == 0 || atomic_load(&used) == 0) return;
  pthread_mutex_lock(&writers);
  for (size_t i = 0; i < LABEL_TABLE_SLOTS; i++) {
    if (same_range(&table[i], start, length)) {
      write_slot(&table[i], 0, 0, NULL, 0);
      atomic_fetch_sub(&used, 1);
      break;
    }
  }
  pthread_mutex_unlock(&writers);
}

void label_table_remove_range(uintptr_t start, size_t length) {
  /* Most mappings never get a label: skip the scan while the table is empty. */
  if (atomic_load(&used) == 0) return;
  pthread_mutex_lock(&writers);
  for (size_t i = 0; i < LABEL_TABLE_SLOTS; i++) {
    uintptr_t s = atomic_load_explicit(&table[i].start, memory_order_relaxed);
    uintptr_t l = atomic_load_explicit(&table[i].length, memory_order_relaxed);
    if (s != 0 && s < start + length && start < s + l) {
      write_slot(&table[i], 0, 0, NULL, 0);
      atomic_fetch_sub(&used, 1);
    }
  }
  pthread_mutex_unlock(&writers);
}

long label_table_used(void) {
  return atomic_load(&used);
}

typedef struct {
  uintptr_t start;
  uintptr_t length;
  unsigned long label[LABEL_WORDS];
} snapshot;

/* A consistent copy of one slot, or 0 if none could be had. Lock-free, allocation-free. */
static int read_slot(slot *s, snapshot *out) {
  for (int attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
    unsigned before = atomic_load_explicit(&s->sequence, memory_order_acquire);
    if (before & 1u) continue;
    out->start = atomic_load_explicit(&s->start, memory_order_relaxed);
    out->length = atomic_load_explicit(&s->length, memory_order_relaxed);
    for (size_t w = 0; w < LABEL_WORDS; w++) out->label[w] = atomic_load_explicit(&s->label[w], memory_order_relaxed);
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&s->sequence, memory_order_relaxed) == before) return 1;
  }
  return 0;
}

int label_table_lookup(uintptr_t address, char *label, uintptr_t *start) {
  snapshot best = {0}, current;
  int found = 0;
  for (size_t i = 0; i < LABEL_TABLE_SLOTS; i++) {
    if (!read_slot(&table[i], &current) || current.start == 0) continue;
    if (address - current.start >= current.length) continue; /* also true when address < start */
    if (!found || current.length < best.length) {
      best = current;
      found = 1;
    }
  }
  if (!found) return 0;
  const char *bytes = (const char *)best.label;
  size_t i = 0;
  for (; i < LABEL_MAX_BYTES && bytes[i] != '\0'; i++) label[i] = bytes[i];
  label[i] = '\0';
  *start = best.start;
  return 1;
}
