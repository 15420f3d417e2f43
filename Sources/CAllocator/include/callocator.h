#ifndef STYLIZE_CALLOCATOR_H
#define STYLIZE_CALLOCATOR_H

/// Tells glibc's malloc to serve large blocks from the heap and keep freed memory for reuse (mallopt
/// M_MMAP_MAX 0, M_TRIM_THRESHOLD INT_MAX). Returns 1 when both settings were accepted. malloc.h is not
/// part of Swift's Glibc module, hence this shim.
int stylize_reuse_freed_memory(void);

/// Serves blocks of 32 MB and more by mmap again, each returned to the system when freed (mallopt M_MMAP_MAX
/// back to glibc's default, M_MMAP_THRESHOLD 32 MB, the most glibc accepts, M_TRIM_THRESHOLD 128 MB): what a
/// big print needs instead of the reuse above. Returns 1 when all three settings were accepted.
int stylize_return_large_blocks(void);

/// Gives the free pages inside the heap back to the system (malloc_trim(0)): what the reuse above keeps from
/// one phase of a run that the next one cannot use. Returns 1 if any memory was released.
int stylize_release_freed_memory(void);

#endif
