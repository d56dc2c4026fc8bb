// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "pachs3",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "pachs3", targets: ["pachs3"]),
        .library(name: "PFS", targets: ["PFS"]),
        .library(name: "PFSClient", targets: ["PFSClient"]),
        .library(name: "S3Gateway", targets: ["S3Gateway"]),
        .library(name: "PFSMount", targets: ["PFSMount"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // The Linux calls the blob store needs that Swift's Glibc module does not export.
        .target(name: "CPFSSystem"),
        // The core: model, engine, tree, chunking, storage protocols and their embedded implementations.
        .target(
            name: "PFS",
            dependencies: [
                "CPFSSystem",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The shared client API every door uses, and the bucket/version/mount-path model.
        .target(
            name: "PFSClient",
            dependencies: ["PFS"],
            swiftSettings: swiftSettings
        ),
        // The S3 door: the gateway on Hummingbird, reaching PFS only through the client API.
        .target(
            name: "S3Gateway",
            dependencies: [
                "PFSClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // libfuse 3 (low-level API), with a shim for what Swift cannot import.
        .systemLibrary(name: "CFuse3", pkgConfig: "fuse3", providers: [.apt(["libfuse3-dev"])]),
        // The FUSE door: the mount, reaching PFS only through the client API.
        .target(
            name: "PFSMount",
            dependencies: ["PFSClient", "CFuse3"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "pachs3",
            dependencies: [
                "PFSClient",
                "S3Gateway",
                "PFSMount",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Engine figures for `make bench` that need an in-process timer.
        .executableTarget(
            name: "pfs-bench",
            dependencies: ["PFS"],
            path: "benchmarks/PFSBench",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "PFSTests", dependencies: ["PFS"], swiftSettings: swiftSettings),
        .testTarget(name: "PFSClientTests", dependencies: ["PFSClient"], swiftSettings: swiftSettings),
        .testTarget(
            name: "S3GatewayTests",
            dependencies: ["S3Gateway", .product(name: "HummingbirdTesting", package: "hummingbird")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "PFSMountTests", dependencies: ["PFSMount"], swiftSettings: swiftSettings),
        .testTarget(name: "CLITests", dependencies: ["PFSClient"], swiftSettings: swiftSettings),
    ]
)
