// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "stylize",
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
        .target(name: "Engine", dependencies: ["CBLAS"]),
        .testTarget(name: "ImageIOTests", dependencies: ["ImageIO"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "ImageIO"]),
    ]
)
