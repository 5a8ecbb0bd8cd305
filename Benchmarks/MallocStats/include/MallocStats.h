#ifndef MALLOC_STATS_H
#define MALLOC_STATS_H
#include <stddef.h>

/// Bytes the process has allocated through malloc and not freed (glibc's mallinfo2:
/// in-use chunks plus mmap'd blocks). Benchmarks use it for bytes per stored item.
size_t malloc_stats_bytes_in_use(void);

#endif
