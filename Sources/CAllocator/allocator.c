#include "callocator.h"

#include <limits.h>
#include <malloc.h>

int stylize_reuse_freed_memory(void) {
    int mmap_off = mallopt(M_MMAP_MAX, 0);
    int trim_off = mallopt(M_TRIM_THRESHOLD, INT_MAX);
    return mmap_off == 1 && trim_off == 1;
}

int stylize_release_freed_memory(void) {
    return malloc_trim(0);
}

int stylize_return_large_blocks(void) {
    int mmap_on = mallopt(M_MMAP_MAX, 65536);
    int threshold = mallopt(M_MMAP_THRESHOLD, 32 << 20);
    int trim = mallopt(M_TRIM_THRESHOLD, 128 << 20);
    return mmap_on == 1 && threshold == 1 && trim == 1;
}
