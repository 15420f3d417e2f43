// C shim over libnetpbm for the ImageIO module.
//
// libnetpbm reports errors through pm_error(), which longjmps to a caller-set
// jmp_buf (or exits the process when none is set).  A longjmp across Swift
// frames is undefined behaviour, so every function here that calls into
// libnetpbm does its own setjmp + pm_setjmpbuf, catches the jump in C, and
// returns an error code with a message.  libnetpbm never prints and never
// exits the process through this API.
//
// All functions that can fail take a message buffer (msg, cap) that receives a
// NUL-terminated, terse, human-readable reason on failure (without a program
// name prefix).
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// An open image stream (a FILE* of ours over a file descriptor).
typedef struct stz_stream stz_stream;

/// Format families, as in NetpbmFormat.
#define STZ_FORMAT_PBM 0
#define STZ_FORMAT_PGM 1
#define STZ_FORMAT_PPM 2
#define STZ_FORMAT_PAM 3

/// Recommended size of a message buffer.
#define STZ_MESSAGE_CAPACITY 1024

/// How many of a stream's first bytes stz_stream_head keeps.
#define STZ_HEAD_CAPACITY 16

/// An image header, as read or to be written.
typedef struct {
    int width;
    int height;
    int depth;      ///< samples per pixel, 1...4
    int maxval;     ///< 1...65535
    int format;     ///< STZ_FORMAT_*
    int plain;      ///< ASCII (P1/P2/P3) rather than raw; ignored for PAM
    char tuple_type[256];
} stz_image_info;

/// Initializes libnetpbm once per process (later calls do nothing) and routes
/// its error and informational messages away from stderr.
void stz_init(const char *progname);

/// Opens a stream over an existing descriptor, which stays owned by the caller
/// (stz_close does not close it).  Returns NULL with a message on failure.
stz_stream *stz_open_fd(int fd, int for_writing, char *msg, size_t cap);

/// Opens (for reading) or creates/truncates (for writing) a file.  Returns
/// NULL with a message naming the path on failure.
stz_stream *stz_open_path(const char *path, int for_writing, char *msg, size_t cap);

/// Flushes (if writing) and releases the stream; closes the descriptor only if
/// stz_open_path opened it.  Returns 0, or -1 with a message if the final
/// flush failed.  The stream is freed either way.
int stz_close(stz_stream *stream, char *msg, size_t cap);

/// The errno of the stream's first failed read() or write() (EPIPE when the
/// reader of a pipe went away), or 0.
int stz_stream_errno(const stz_stream *stream);

/// The widest image accepted, in pixels (2^16: four times the widest square one,
/// 16384x16384).  libnetpbm reads, and allocates, a whole row at a time (8 bytes
/// a sample and a pointer a pixel), so without this limit a header such as
/// P5 134217727x1 (under the pixel limit) makes it allocate 2 GB for one row.
#define STZ_MAX_WIDTH 65536

/// The longest tuple type read or written, in bytes.  libnetpbm reads a PAM header
/// a line at a time into 256 bytes and drops its last byte as the newline, so of
/// "TUPLTYPE " and more than 245 bytes one byte is lost (246) or the rest is read
/// as another line ("Unrecognized header line type", 247 on).  It joins several
/// TUPLTYPE lines into one tuple type of up to 255 bytes, which pnm_writepaminit
/// writes as one line.  So a longer one is refused on
/// reading (it could not be written back) and on writing (it could not be read).
/// Found by scripts/fuzz netpbm (fuzz/corpus/netpbm/finding-tuple-type-joined-too-long).
#define STZ_MAX_TUPLE_TYPE 245

/// The memory one row of the given width, depth and bytes per raw sample takes
/// to read, in bytes: libnetpbm's row of tuples, its raw row, and the caller's
/// row of 16-bit samples (an estimate: allocator overhead is not counted).
uint64_t stz_row_bytes(int width, int depth, int bytes_per_sample);

/// Reads the header of the next image.  Returns 1 with *info filled in, 0 at a
/// clean end of stream (only whitespace left), or -1 with a message.  Refuses,
/// before anything is allocated, images with more than max_pixels pixels, wider
/// than STZ_MAX_WIDTH (the message gives the row's memory, stz_row_bytes) or with
/// a depth outside 1...4.  After 1, read its raster with stz_read_rows.
int stz_read_header(stz_stream *stream, uint64_t max_pixels,
                    stz_image_info *info, char *msg, size_t cap);

/// Copies up to cap of the first bytes read from the stream (at most
/// STZ_HEAD_CAPACITY) into dst and returns how many, so that a caller can say
/// what a file that is not a Netpbm image is (JPEG, PNG, safetensors...).
size_t stz_stream_head(const stz_stream *stream, unsigned char *dst, size_t cap);

/// Reads the next `rows` rows of the raster of the image whose header
/// stz_read_header just returned, into dst (rows*width*depth samples,
/// interleaved, row-major), so that a caller can grow its buffer as the data
/// arrives instead of allocating the whole raster on the header's word.
/// Returns 0, or -1 with a message ("truncated pixel data (read R of H rows)"
/// counts the rows of all calls).  1 <= rows <= the rows left.
int stz_read_rows(stz_stream *stream, uint16_t *dst, int rows,
                  char *msg, size_t cap);

/// Writes one complete image (header and raster) and flushes it.  samples
/// holds height*width*depth values, each <= maxval.  Returns 0, or -1 with a
/// message (including write errors such as a closed pipe, which are reported
/// as errors rather than raising SIGPIPE).
int stz_write_image(stz_stream *stream, const stz_image_info *info,
                    const uint16_t *samples, size_t count,
                    char *msg, size_t cap);

#ifdef __cplusplus
}
#endif
