// Writing images through libnetpbm (pnm_writepaminit, pnm_writepamrow),
// validated first so that libnetpbm never writes an invalid file.
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *family_name(int family) {
    switch (family) {
    case STZ_FORMAT_PBM: return "PBM";
    case STZ_FORMAT_PGM: return "PGM";
    case STZ_FORMAT_PPM: return "PPM";
    default:             return "PAM";
    }
}

// Returns 0 if the image can be written as described, else -1 with a message.
static int validate(const stz_image_info *info, const uint16_t *samples, size_t count,
                    char *msg, size_t cap) {
    const int f = info->format;
    if (f < STZ_FORMAT_PBM || f > STZ_FORMAT_PAM) {
        stz_set_message(msg, cap, "unknown output format %d", f);
        return -1;
    }
    if (info->width < 1 || info->height < 1) {
        stz_set_message(msg, cap, "cannot write a %dx%d image", info->width, info->height);
        return -1;
    }
    int needDepth = f == STZ_FORMAT_PPM ? 3 : (f == STZ_FORMAT_PAM ? 0 : 1);
    if (needDepth != 0 && info->depth != needDepth) {
        stz_set_message(msg, cap, "cannot write depth %d as %s (needs depth %d)",
                        info->depth, family_name(f), needDepth);
        return -1;
    }
    if (info->depth < 1 || info->depth > 4) {
        stz_set_message(msg, cap, "cannot write depth %d (need 1 to 4 samples per pixel)",
                        info->depth);
        return -1;
    }
    int maxMaxval = f == STZ_FORMAT_PBM ? 1 : 65535;
    if (info->maxval < 1 || info->maxval > maxMaxval) {
        stz_set_message(msg, cap, "cannot write maxval %d as %s (need 1 to %d)",
                        info->maxval, family_name(f), maxMaxval);
        return -1;
    }
    size_t need;
    if (__builtin_mul_overflow((size_t)info->width, (size_t)info->height, &need) ||
        __builtin_mul_overflow(need, (size_t)info->depth, &need) || count != need) {
        stz_set_message(msg, cap, "cannot write a %dx%dx%d image from %zu samples (need %zu)",
                        info->width, info->height, info->depth, count, need);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        if (samples[i] > info->maxval) {
            stz_set_message(msg, cap, "sample %u exceeds maxval %d", samples[i], info->maxval);
            return -1;
        }
    }
    size_t tuple_type_length = strnlen(info->tuple_type, sizeof info->tuple_type);
    if (tuple_type_length > STZ_MAX_TUPLE_TYPE) {
        stz_set_message(msg, cap, "tuple type too long: %zu bytes (a PAM header line holds at most %d)",
                        tuple_type_length, STZ_MAX_TUPLE_TYPE);
        return -1;
    }
    return 0;
}

static int output_format(int family) {
    switch (family) {
    case STZ_FORMAT_PBM: return RPBM_FORMAT;
    case STZ_FORMAT_PGM: return RPGM_FORMAT;
    case STZ_FORMAT_PPM: return RPPM_FORMAT;
    default:             return PAM_FORMAT;
    }
}

int stz_write_image(stz_stream *s, const stz_image_info *info,
                    const uint16_t *samples, size_t count, char *msg, size_t cap) {
    if (!s->writing) {
        stz_set_message(msg, cap, "stream is not open for writing");
        return -1;
    }
    if (validate(info, samples, count, msg, cap) != 0) return -1;
    if (s->io_errno != 0) {
        stz_set_message(msg, cap, "write error: %s", strerror(s->io_errno));
        return -1;
    }

    struct pam pam;
    memset(&pam, 0, sizeof pam);
    pam.size = sizeof pam;
    pam.len = PAM_STRUCT_SIZE(tuple_type);
    pam.file = s->file;
    pam.format = output_format(info->format);
    pam.plainformat = info->plain && info->format != STZ_FORMAT_PAM;
    pam.width = info->width;
    pam.height = info->height;
    pam.depth = (unsigned int)info->depth;
    pam.maxval = (sample)info->maxval;
    snprintf(pam.tuple_type, sizeof pam.tuple_type, "%s", info->tuple_type);

    const size_t rowSamples = (size_t)info->width * (size_t)info->depth;
    jmp_buf jb;
    stz_guard guard;
    tuple *volatile row = NULL;  // volatile: set after setjmp, used after longjmp
    stz_guard_begin(&guard, &jb);
    if (setjmp(jb) != 0) {
        if (row != NULL) pnm_freepamrow(row);
        stz_guard_end(&guard);
        const char *text = stz_libnetpbm_message();
        if (s->io_errno != 0)
            stz_set_message(msg, cap, "write error: %s", strerror(s->io_errno));
        else
            stz_set_message(msg, cap, "%s", text[0] != '\0' ? text : "cannot write image");
        return -1;
    }
    pnm_writepaminit(&pam);
    row = pnm_allocpamrow(&pam);
    for (int y = 0; y < info->height; y++) {
        const uint16_t *in = samples + (size_t)y * rowSamples;
        for (int x = 0; x < info->width; x++)
            for (int c = 0; c < info->depth; c++)
                row[x][c] = *in++;
        pnm_writepamrow(&pam, row);
    }
    pnm_freepamrow(row);
    row = NULL;
    stz_guard_end(&guard);

    // Outside the lock: stdio may block on the descriptor here.
    if (fflush(s->file) != 0 || s->io_errno != 0) {
        stz_set_message(msg, cap, "write error: %s",
                        strerror(s->io_errno != 0 ? s->io_errno : EIO));
        return -1;
    }
    return 0;
}
