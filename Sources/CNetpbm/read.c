// Reading images, one at a time, through libnetpbm (pnm_nextimage,
// pnm_readpaminit, pnm_readpamrow).  Nothing is parsed by hand.
#include <stdlib.h>
#include <string.h>

#include "internal.h"

// The message for a failed guarded read: a read error, a truncation (libnetpbm
// ran out of input), or libnetpbm's own words.
static void explain_read_failure(stz_stream *s, const char *truncated,
                                 char *msg, size_t cap) {
    const char *text = stz_libnetpbm_message();
    if (s->io_errno != 0)
        stz_set_message(msg, cap, "read error: %s", strerror(s->io_errno));
    else if (feof(s->file) && stz_message_is_eof(text))
        stz_set_message(msg, cap, "%s", truncated);
    else if (text[0] != '\0')
        stz_set_message(msg, cap, "%s", text);
    else
        stz_set_message(msg, cap, "unreadable image");
}

uint64_t stz_row_bytes(int width, int depth, int bytes_per_sample) {
    uint64_t w = (uint64_t)width, d = (uint64_t)depth;
    return w * (sizeof(tuple) + d * sizeof(sample))  // pnm_allocpamrow: a pointer and the samples a pixel
         + w * d * (uint64_t)bytes_per_sample       // pnm_readpamrow's raw row (pnm_allocrowimage)
         + w * d * sizeof(uint16_t);                // the caller's samples of the row
}

static int format_family(int format) {
    switch (PAM_FORMAT_TYPE(format)) {
    case PBM_TYPE: return STZ_FORMAT_PBM;
    case PGM_TYPE: return STZ_FORMAT_PGM;
    case PPM_TYPE: return STZ_FORMAT_PPM;
    default:       return STZ_FORMAT_PAM;
    }
}

static int is_plain(int format) {
    return format == PBM_FORMAT || format == PGM_FORMAT || format == PPM_FORMAT;
}

int stz_read_header(stz_stream *s, uint64_t max_pixels, stz_image_info *info,
                    char *msg, size_t cap) {
    if (s->writing) {
        stz_set_message(msg, cap, "stream is not open for reading");
        return -1;
    }
    s->header_pending = 0;
    s->rows_read = 0;
    memset(&s->pam, 0, sizeof s->pam);

    jmp_buf jb;
    stz_guard guard;
    stz_guard_begin(&guard, &jb);
    if (setjmp(jb) != 0) {
        stz_guard_end(&guard);
        explain_read_failure(s, "truncated header", msg, cap);
        return -1;
    }
    int eof = 0;
    pnm_nextimage(s->file, &eof);  // skips whitespace; eof if nothing follows
    if (eof) {
        stz_guard_end(&guard);
        if (s->io_errno != 0) {
            stz_set_message(msg, cap, "read error: %s", strerror(s->io_errno));
            return -1;
        }
        return 0;
    }
    pnm_readpaminit(s->file, &s->pam, PAM_STRUCT_SIZE(tuple_type));
    stz_guard_end(&guard);

    const struct pam *pam = &s->pam;
    if (pam->depth < 1 || pam->depth > 4) {
        stz_set_message(msg, cap, "unsupported depth %u (need 1 to 4 samples per pixel)",
                        pam->depth);
        return -1;
    }
    size_t tuple_type_length = strnlen(pam->tuple_type, sizeof pam->tuple_type);
    if (tuple_type_length > STZ_MAX_TUPLE_TYPE) {
        stz_set_message(msg, cap, "tuple type too long: %zu bytes (a PAM header line holds at most %d)",
                        tuple_type_length, STZ_MAX_TUPLE_TYPE);
        return -1;
    }
    uint64_t pixels = (uint64_t)pam->width * (uint64_t)pam->height;
    if (pixels > max_pixels) {
        stz_set_message(msg, cap, "image too large: %dx%d pixels (limit %llu)",
                        pam->width, pam->height, (unsigned long long)max_pixels);
        return -1;
    }
    if (pam->width > STZ_MAX_WIDTH) {
        // libnetpbm reads whole rows: refused here, before pnm_allocpamrow is asked for one.
        double bytes = (double)stz_row_bytes(pam->width, (int)pam->depth, (int)pam->bytes_per_sample);
        int gb = bytes >= (double)(1 << 30);
        stz_set_message(msg, cap, "image too wide: %dx%d pixels (limit %d pixels a row; "
                        "reading a row would need about %.1f %s)", pam->width, pam->height,
                        STZ_MAX_WIDTH, bytes / (gb ? (double)(1 << 30) : (double)(1 << 20)), gb ? "GB" : "MB");
        return -1;
    }
    info->width = pam->width;
    info->height = pam->height;
    info->depth = (int)pam->depth;
    info->maxval = (int)pam->maxval;
    info->format = format_family(pam->format);
    info->plain = is_plain(pam->format);
    snprintf(info->tuple_type, sizeof info->tuple_type, "%s", pam->tuple_type);
    s->header_pending = 1;
    return 1;
}

int stz_read_rows(stz_stream *s, uint16_t *dst, int rows, char *msg, size_t cap) {
    if (!s->header_pending) {
        stz_set_message(msg, cap, "no image header was read");
        return -1;
    }
    const struct pam *pam = &s->pam;
    if (rows < 1 || rows > pam->height - s->rows_read) {
        stz_set_message(msg, cap, "asked for %d rows, %d of %d are left", rows,
                        pam->height - s->rows_read, pam->height);
        return -1;
    }
    const size_t rowSamples = (size_t)pam->width * pam->depth;

    jmp_buf jb;
    stz_guard guard;
    tuple *volatile row = NULL;       // volatile: set after setjmp, used after longjmp
    stz_guard_begin(&guard, &jb);
    if (setjmp(jb) != 0) {
        if (row != NULL) pnm_freepamrow(row);
        stz_guard_end(&guard);
        s->header_pending = 0;
        char truncated[128];
        snprintf(truncated, sizeof truncated, "truncated pixel data (read %d of %d rows)",
                 s->rows_read, pam->height);
        explain_read_failure(s, truncated, msg, cap);
        return -1;
    }
    row = pnm_allocpamrow(pam);
    for (int y = 0; y < rows; y++) {
        pnm_readpamrow(pam, row);
        uint16_t *out = dst + (size_t)y * rowSamples;
        for (int x = 0; x < pam->width; x++)
            for (unsigned int c = 0; c < pam->depth; c++)
                *out++ = (uint16_t)row[x][c];
        s->rows_read++;  // a plain field of the stream, not a local: it survives the longjmp
    }
    pnm_freepamrow(row);
    row = NULL;
    stz_guard_end(&guard);
    if (s->rows_read == pam->height) s->header_pending = 0;
    return 0;
}
