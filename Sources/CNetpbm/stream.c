// Streams: a stdio FILE over a file descriptor, built with fopencookie so that
// the shim does the actual read()/write() calls.  That lets it release the
// libnetpbm lock while blocked on a pipe, record the real errno of a failed
// read or write, and turn a write to a closed pipe into EPIPE instead of a
// process-killing SIGPIPE.  Nothing here seeks, so pipes work.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

enum { BUFFER_SIZE = 1 << 16 };

static ssize_t cookie_read(void *cookie, char *buf, size_t size) {
    stz_stream *s = cookie;
    stz_guard *guard = stz_io_release();
    ssize_t n;
    do {
        n = read(s->fd, buf, size);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && s->io_errno == 0) s->io_errno = errno;
    for (ssize_t i = 0; i < n && s->head_length < sizeof s->head; i++)
        s->head[s->head_length++] = (unsigned char)buf[i];
    stz_io_reacquire(guard);
    return n < 0 ? -1 : n;
}

// Writes everything or fails.  SIGPIPE is blocked on this thread for the
// duration, and one raised by our own write is consumed, so a reader that went
// away shows up as EPIPE: the caller decides what to do about it.
static ssize_t cookie_write(void *cookie, const char *buf, size_t size) {
    stz_stream *s = cookie;
    if (s->io_errno != 0) return 0;
    stz_guard *guard = stz_io_release();

    sigset_t sigpipe_only, saved_mask, pending;
    sigemptyset(&sigpipe_only);
    sigaddset(&sigpipe_only, SIGPIPE);
    sigpending(&pending);
    int already_pending = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &sigpipe_only, &saved_mask);

    size_t done = 0;
    while (done < size) {
        ssize_t n = write(s->fd, buf + done, size - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            s->io_errno = errno;
            break;
        }
        done += (size_t)n;
    }
    if (s->io_errno == EPIPE && !already_pending) {
        struct timespec no_wait = { 0, 0 };
        while (sigtimedwait(&sigpipe_only, NULL, &no_wait) < 0 && errno == EINTR) {}
    }
    pthread_sigmask(SIG_SETMASK, &saved_mask, NULL);

    stz_io_reacquire(guard);
    return (ssize_t)done;  // short means error to stdio
}

size_t stz_stream_head(const stz_stream *s, unsigned char *dst, size_t cap) {
    size_t n = s->head_length < cap ? s->head_length : cap;
    memcpy(dst, s->head, n);
    return n;
}

// The descriptor is closed (if ours) by stz_close, not here.
static int cookie_close(void *cookie) {
    (void)cookie;
    return 0;
}

static stz_stream *make_stream(int fd, int owns_fd, int for_writing,
                               char *msg, size_t cap) {
    stz_stream *s = calloc(1, sizeof *s);
    if (s == NULL) {
        stz_set_message(msg, cap, "out of memory");
        return NULL;
    }
    s->fd = fd;
    s->owns_fd = owns_fd;
    s->writing = for_writing;
    cookie_io_functions_t io = {
        .read = for_writing ? NULL : cookie_read,
        .write = for_writing ? cookie_write : NULL,
        .seek = NULL,
        .close = cookie_close,
    };
    s->file = fopencookie(s, for_writing ? "w" : "r", io);
    if (s->file == NULL) {
        stz_set_message(msg, cap, "%s", strerror(errno));
        free(s);
        return NULL;
    }
    setvbuf(s->file, NULL, _IOFBF, BUFFER_SIZE);
    return s;
}

stz_stream *stz_open_fd(int fd, int for_writing, char *msg, size_t cap) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) {
        stz_set_message(msg, cap, "%s", strerror(errno));
        return NULL;
    }
    int mode = flags & O_ACCMODE;
    if (for_writing && mode == O_RDONLY) {
        stz_set_message(msg, cap, "not open for writing");
        return NULL;
    }
    if (!for_writing && mode == O_WRONLY) {
        stz_set_message(msg, cap, "not open for reading");
        return NULL;
    }
    return make_stream(fd, 0, for_writing, msg, cap);
}

stz_stream *stz_open_path(const char *path, int for_writing, char *msg, size_t cap) {
    const char *verb = for_writing ? "create" : "open";
    int fd = for_writing ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)
                         : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        stz_set_message(msg, cap, "cannot %s '%s': %s", verb, path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        stz_set_message(msg, cap, "cannot %s '%s': %s", verb, path, strerror(EISDIR));
        close(fd);
        return NULL;
    }
    stz_stream *s = make_stream(fd, 1, for_writing, msg, cap);
    if (s == NULL) close(fd);
    return s;
}

int stz_close(stz_stream *s, char *msg, size_t cap) {
    if (s == NULL) return 0;
    int status = 0;
    if (s->writing && (fflush(s->file) != 0 || s->io_errno != 0)) {
        stz_set_message(msg, cap, "write error: %s",
                        strerror(s->io_errno != 0 ? s->io_errno : EIO));
        status = -1;
    }
    fclose(s->file);
    if (s->owns_fd && close(s->fd) != 0 && status == 0 && s->writing) {
        stz_set_message(msg, cap, "write error: %s", strerror(errno));
        status = -1;
    }
    free(s);
    return status;
}

int stz_stream_errno(const stz_stream *stream) {
    return stream->io_errno;
}
