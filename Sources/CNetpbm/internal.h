// Private to the CNetpbm shim: the stream type and the error guard shared by
// stream.c, read.c and write.c.  Not exported to Swift.
#pragma once

#include <setjmp.h>
#include <stdio.h>
#include <netpbm/pam.h>

#include "shim.h"

struct stz_stream {
    FILE *file;          // our fopencookie FILE over fd (see stream.c)
    int fd;
    int owns_fd;         // opened by stz_open_path, so closed by stz_close
    int writing;
    int io_errno;        // errno of the first failed read()/write(), else 0
    int header_pending;  // stz_read_header returned 1; raster not (all) read yet
    int rows_read;       // rows of the pending image's raster read so far
    struct pam pam;      // header of the pending image
    unsigned char head[STZ_HEAD_CAPACITY];  // the first bytes read from fd, to say what a foreign file is
    size_t head_length;
};

// One call into libnetpbm, guarded.  libnetpbm's jmp_buf pointer and message
// hooks are process globals, so calls are serialized by one mutex, held from
// stz_guard_begin to stz_guard_end.  The mutex is released around blocking
// read()/write() (stz_io_release/stz_io_reacquire), so that a reader and a
// writer on the two ends of one in-process pipe cannot deadlock; while it is
// released, libnetpbm's jmp_buf is back to what it was before the call.
typedef struct {
    jmp_buf *mine;   // this call's setjmp target
    jmp_buf *outer;  // what pm_setjmpbufsave replaced; restored at the end
} stz_guard;

// Locks, initializes libnetpbm if needed, clears this thread's libnetpbm
// message, and points pm_error's longjmp at jb (which the caller must setjmp
// right after, in its own frame).
void stz_guard_begin(stz_guard *guard, jmp_buf *jb);
// Restores the previous jmp_buf and unlocks.
void stz_guard_end(stz_guard *guard);

// Around blocking I/O inside a guarded call (no-ops outside one).
stz_guard *stz_io_release(void);
void stz_io_reacquire(stz_guard *guard);

// Formats a message into (msg, cap), if msg is not NULL.
void stz_set_message(char *msg, size_t cap, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

// The message(s) libnetpbm reported on this thread during the current guarded
// call, trimmed of surrounding whitespace and a final period ("" if none).
const char *stz_libnetpbm_message(void);

// Whether a libnetpbm message says it ran out of input.
int stz_message_is_eof(const char *text);
