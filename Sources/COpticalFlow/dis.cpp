#include "copticalflow.h"

#include <opencv2/core.hpp>
#include <opencv2/video/tracking.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>

namespace {

void set_message(char *msg, size_t cap, const char *text) {
    if (msg && cap > 0) std::snprintf(msg, cap, "%s", text);
}

cv::Mat luma(const float *rgb, int width, int height) {
    cv::Mat gray(height, width, CV_8UC1);
    for (int y = 0; y < height; y++) {
        unsigned char *row = gray.ptr<unsigned char>(y);
        const float *p = rgb + (size_t)y * width * 3;
        for (int x = 0; x < width; x++, p += 3) {
            float v = 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
            v = v < 0 ? 0 : (v > 255 ? 255 : v);
            row[x] = (unsigned char)std::lround(v);
        }
    }
    return gray;
}

}  // namespace

extern "C" int stz_dis_flow(const float *from, const float *to, int width, int height, int preset,
                            float *flow, char *msg, size_t cap) {
    if (!from || !to || !flow) { set_message(msg, cap, "no image"); return -1; }
    if (width < 8 || height < 8) {
        char text[128];
        std::snprintf(text, sizeof text, "%dx%d is too small for optical flow (at least 8x8)", width, height);
        set_message(msg, cap, text);
        return -1;
    }
    int cvPreset;
    switch (preset) {
    case STZ_FLOW_ULTRAFAST: cvPreset = cv::DISOpticalFlow::PRESET_ULTRAFAST; break;
    case STZ_FLOW_FAST: cvPreset = cv::DISOpticalFlow::PRESET_FAST; break;
    case STZ_FLOW_MEDIUM: cvPreset = cv::DISOpticalFlow::PRESET_MEDIUM; break;
    default: set_message(msg, cap, "unknown optical flow preset"); return -1;
    }
    try {
        cv::Ptr<cv::DISOpticalFlow> dis = cv::DISOpticalFlow::create(cvPreset);
        cv::Mat a = luma(from, width, height), b = luma(to, width, height);
        // Written straight into the caller's buffer: a CV_32FC2 header over it (calc keeps a buffer of the
        // right size and type).
        cv::Mat out(height, width, CV_32FC2, flow);
        out.setTo(cv::Scalar(0, 0));
        dis->calc(a, b, out);
        if (out.data != (unsigned char *)flow) {
            set_message(msg, cap, "optical flow returned a buffer of another size");
            return -1;
        }
        for (size_t i = 0, n = (size_t)width * height * 2; i < n; i++) {
            if (!std::isfinite(flow[i])) { set_message(msg, cap, "optical flow is not finite"); return -1; }
        }
        return 0;
    } catch (const cv::Exception &e) {
        set_message(msg, cap, e.what());
        return -1;
    } catch (const std::exception &e) {
        set_message(msg, cap, e.what());
        return -1;
    } catch (...) {
        set_message(msg, cap, "optical flow failed");
        return -1;
    }
}
