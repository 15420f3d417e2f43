// C API over OpenCV's DIS optical flow (Kroeger et al. 2016, cv::DISOpticalFlow in libopencv-video).
//
// C++ stays inside this target: every OpenCV exception is caught in C++ and returned as an error code with
// a message, so nothing throws across the Swift boundary.
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// DIS presets, as cv::DISOpticalFlow::PRESET_*.
#define STZ_FLOW_ULTRAFAST 0
#define STZ_FLOW_FAST 1
#define STZ_FLOW_MEDIUM 2

/// Recommended size of a message buffer.
#define STZ_FLOW_MESSAGE_CAPACITY 512

/// Dense flow from image `from` to image `to`, both interleaved RGB floats (0...255) of width x height:
/// writes `flow` (2 floats a pixel, dx then dy, row-major) such that from(x, y) ≈ to(x + dx, y + dy).
/// The images are converted to 8-bit luma (0.299 R + 0.587 G + 0.114 B, rounded, clamped) first, as DIS
/// works on one 8-bit channel. Returns 0 on success; else -1 with a NUL-terminated reason in msg (cap bytes).
/// Images smaller than DIS's patch (8 px) on either side are an error.
int stz_dis_flow(const float *from, const float *to, int width, int height, int preset,
                 float *flow, char *msg, size_t cap);

#ifdef __cplusplus
}
#endif
