// libnetpbm initialization, message routing and the setjmp guard (internal.h).
#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int initialized = 0;
static const char *program_name = "stylize";

// libnetpbm messages of the current guarded call on this thread.
static _Thread_local char error_text[STZ_MESSAGE_CAPACITY];
static _Thread_local char trimmed_text[STZ_MESSAGE_CAPACITY];
// The guarded call in progress on this thread, if any.
static _Thread_local stz_guard *current_guard = NULL;

// pm_error/pm_errormsg hook: collect the text instead of printing it.
static void collect_error(const char *text) {
    size_t used = strlen(error_text);
    if (used > 0 && used + 2 < sizeof error_text) {
        strcat(error_text, "; ");
        used += 2;
    }
    snprintf(error_text + used, sizeof error_text - used, "%s", text);
}

// pm_message hook: informational chatter is dropped.
static void drop_message(const char *text) { (void)text; }

static void initialize_locked(void) {
    if (initialized) return;
    pm_init(program_name, 0);
    pm_setusererrormsgfn(collect_error);
    pm_setusermessagefn(drop_message);
    initialized = 1;
}

void stz_init(const char *progname) {
    pthread_mutex_lock(&lock);
    if (!initialized && progname != NULL) {
        // pm_init keeps the pointer, so it must outlive the process's use.
        char *copy = strdup(progname);
        if (copy != NULL) program_name = copy;
    }
    initialize_locked();
    pthread_mutex_unlock(&lock);
}

void stz_guard_begin(stz_guard *guard, jmp_buf *jb) {
    pthread_mutex_lock(&lock);
    initialize_locked();
    error_text[0] = '\0';
    guard->mine = jb;
    pm_setjmpbufsave(jb, &guard->outer);
    current_guard = guard;
}

void stz_guard_end(stz_guard *guard) {
    pm_setjmpbuf(guard->outer);
    current_guard = NULL;
    pthread_mutex_unlock(&lock);
}

stz_guard *stz_io_release(void) {
    stz_guard *guard = current_guard;
    if (guard != NULL) {
        pm_setjmpbuf(guard->outer);
        pthread_mutex_unlock(&lock);
    }
    return guard;
}

void stz_io_reacquire(stz_guard *guard) {
    if (guard != NULL) {
        pthread_mutex_lock(&lock);
        pm_setjmpbuf(guard->mine);
    }
}

void stz_set_message(char *msg, size_t cap, const char *format, ...) {
    if (msg == NULL || cap == 0) return;
    va_list args;
    va_start(args, format);
    vsnprintf(msg, cap, format, args);
    va_end(args);
}

const char *stz_libnetpbm_message(void) {
    const char *start = error_text;
    while (isspace((unsigned char)*start)) start++;
    snprintf(trimmed_text, sizeof trimmed_text, "%s", start);
    size_t n = strlen(trimmed_text);
    while (n > 0 && isspace((unsigned char)trimmed_text[n - 1])) n--;
    if (n > 0 && trimmed_text[n - 1] == '.') n--;
    trimmed_text[n] = '\0';
    return trimmed_text;
}

int stz_message_is_eof(const char *text) {
    static const char *const markers[] = { "eof", "end of file", "error reading" };
    for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++) {
        size_t len = strlen(markers[i]);
        for (const char *p = text; *p != '\0'; p++)
            if (strncasecmp(p, markers[i], len) == 0) return 1;
    }
    return 0;
}
