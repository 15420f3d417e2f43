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
