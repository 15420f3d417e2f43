// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "stylize",
    products: [
        .executable(name: "stylize", targets: ["stylize"]),
        .executable(name: "gram", targets: ["gram"]),
        .executable(name: "visualize", targets: ["visualize"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C shim over libnetpbm: catches pm_error's longjmp in C and returns an error to Swift.
        .target(name: "CNetpbm", linkerSettings: [.linkedLibrary("netpbm")]),
        // OpenBLAS's cblas.h, for every matrix product.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        // Images in and out: PPM/PGM/PAM streams through libnetpbm, float RGB tensors.
        .target(name: "ImageIO", dependencies: ["CNetpbm"]),
        // Tensors, layers with backward passes, VGG from safetensors.
        // glibc malloc settings (malloc.h is not in Swift's Glibc module): freed activations are reused.
        .target(name: "CAllocator"),
        // What the CPU can run (cpuid), in C: Swift has no cpuid.
        .target(name: "CSIMD"),
        // The Winograd transforms' loops in C, compiled from one source for each instruction set (SSE2, AVX2,
        // AVX-512); Engine's TransformLoops picks one at run time. Optimized in debug builds too, so that the
        // tests check the vectorized code that ships (at -O0 clang vectorizes nothing).
        .target(name: "CWinograd", cSettings: [.unsafeFlags(["-O2"])]),
        // bfloat16 products for the backward pass (oneDNN's matmul, Debian's libdnnl-dev), on CPUs with AVX-512 BF16.
        .target(name: "CBFloat16", cSettings: [.unsafeFlags(["-O2"])], linkerSettings: [.linkedLibrary("dnnl"), .linkedLibrary("gomp")]),
        .target(name: "Engine", dependencies: ["CBLAS", "CAllocator", "CSIMD", "CWinograd", "CBFloat16"]),
        // Convolution and pooling over 1, 2 or 3 spatial dimensions, any kernel, stride and padding: the general
        // engine (signals, images, volumes) and the reference the fast 3x3 Conv2D is checked against.
        .target(name: "EngineND", dependencies: ["Engine", "CBLAS"]),
        // The method of Gatys et al.: costs, Gram targets, optimizers, multi-scale schedule.
        // OpenCV's DIS optical flow behind a C API (C++ inside). Debian's libopencv-video-dev ships no
        // opencv4.pc (that comes with the whole libopencv-dev), hence its fixed Debian include folder.
        .target(name: "COpticalFlow",
                cxxSettings: [.unsafeFlags(["-I/usr/include/opencv4"])],
                linkerSettings: [.linkedLibrary("opencv_video"), .linkedLibrary("opencv_core")]),
        .target(name: "Style", dependencies: ["Engine", "ImageIO", "CBLAS", "COpticalFlow"]),
        // What the executables share: messages, progress, option parsing, loading styles.
        .target(name: "FilterSupport", dependencies: [
            "Style", "Engine", "ImageIO", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "stylize", dependencies: [
            "FilterSupport", "Style", "Engine", "ImageIO",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "gram", dependencies: [
            "FilterSupport", "Style", "Engine", "ImageIO",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // What units of the network respond to (Zeiler and Fergus 2013): receptive fields, top-K patches, grids.
        .target(name: "Visualization", dependencies: ["Engine", "ImageIO"]),
        .executableTarget(name: "visualize", dependencies: [
            "Visualization", "FilterSupport", "Engine", "ImageIO",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The benchmarks' measurements: engine (scripts/bench-engine), objective (scripts/bench-optimizer), flicker (scripts/bench-video).
        .executableTarget(name: "stylize-bench", dependencies: [
            "Engine", "CBLAS", "ImageIO", "Style", "FilterSupport", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // libFuzzer harnesses of the parsers (scripts/fuzz builds it with -sanitize=fuzzer,address -DFUZZING);
        // an ordinary build replays inputs: STYLIZE_FUZZ_TARGET=netpbm stylize-fuzz FILE...
        .executableTarget(name: "stylize-fuzz", dependencies: ["ImageIO", "Engine", "Style", "FilterSupport", "Visualization"]),
        // Fixtures and numerical checks shared by the test targets.
        .target(name: "TestSupport", dependencies: ["Engine", "FilterSupport"], path: "Tests/TestSupport"),
        .testTarget(name: "ImageIOTests", dependencies: ["ImageIO"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "CSIMD", "CWinograd", "CBFloat16", "TestSupport"]),
        .testTarget(name: "EngineNDTests", dependencies: ["EngineND", "Engine", "TestSupport"]),
        .testTarget(name: "StyleTests", dependencies: ["Style", "Engine", "ImageIO", "TestSupport"]),
        // The executables run as a shell would run them: bytes in, images out, messages and exit codes.
        .testTarget(name: "CommandTests", dependencies: ["ImageIO", "Engine", "TestSupport"]),
        .testTarget(name: "VisualizationTests", dependencies: ["Visualization", "Engine", "ImageIO", "TestSupport"]),
    ]
)
