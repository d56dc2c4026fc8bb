// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "pachs3",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pachs3", targets: ["pachs3"]),
        .library(name: "PFS", targets: ["PFS"]),
        .library(name: "PFSClient", targets: ["PFSClient"]),
        .library(name: "S3Gateway", targets: ["S3Gateway"]),
        .library(name: "PFSRemote", targets: ["PFSRemote"]),
        .library(name: "PFSGRPCServer", targets: ["PFSGRPCServer"]),
        .library(name: "PFSMount", targets: ["PFSMount"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
    ],
    targets: [
        // The Linux calls the blob store needs that Swift's Glibc module does not export.
        .target(name: "CPFSSystem"),
        // The core: model, engine, tree, chunking, storage protocols and their embedded implementations.
        .target(
            name: "PFS",
            dependencies: [
                "CPFSSystem",
                "CLibDeflate",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
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
        // Pachyderm's wire format: the Swift generated from proto/ (committed; `make proto` regenerates
        // it), and its mapping to and from the PFS model, which the gRPC server and client share.
        .target(
            name: "PFSProto",
            dependencies: [
                "PFS",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        // The gRPC door: pfs_v2, auth_v2 and versionpb_v2 served over the client API.
        .target(
            name: "PFSGRPCServer",
            dependencies: [
                "PFSClient",
                "PFSProto",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The client API over the network: a PFSClient that speaks pfs_v2 to a pachs3 server.
        .target(
            name: "PFSRemote",
            dependencies: [
                "PFSClient",
                "PFSProto",
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        // libfuse 3 (low-level API), with a shim for what Swift cannot import.
        .systemLibrary(name: "CFuse3", pkgConfig: "fuse3", providers: [.apt(["libfuse3-dev"])]),
        // CRC-32 for `x-amz-checksum-crc32`, the checksum boto3 and the AWS CLI send by default.
        .systemLibrary(name: "CLibDeflate", providers: [.apt(["libdeflate-dev"])]),
        // The FUSE door: the mount, reaching PFS only through the client API.
        .target(
            name: "PFSMount",
            dependencies: ["PFSClient", "CFuse3", "CPFSSystem"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "pachs3",
            dependencies: [
                "PFSClient",
                "S3Gateway",
                "PFSGRPCServer",
                "PFSRemote",
                "PFSMount",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
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
        // Helpers shared by the test targets.
        .target(name: "PFSTestSupport", dependencies: ["PFS"], path: "Tests/PFSTestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "PFSTests", dependencies: ["PFS", "PFSTestSupport", .product(name: "GRDB", package: "GRDB.swift")], swiftSettings: swiftSettings),
        .testTarget(name: "PFSClientTests", dependencies: ["PFSClient"], swiftSettings: swiftSettings),
        .testTarget(
            name: "S3GatewayTests",
            dependencies: ["S3Gateway", "PFSTestSupport", .product(name: "HummingbirdTesting", package: "hummingbird")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PFSRemoteTests",
            dependencies: ["PFSRemote", "PFSGRPCServer", "PFSClient", "PFSProto", "PFSTestSupport", .product(name: "GRPCCore", package: "grpc-swift-2"), .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "PFSMountTests", dependencies: ["PFSMount"], swiftSettings: swiftSettings),
        .testTarget(name: "CLITests", dependencies: ["PFSClient", "pachs3", .product(name: "Logging", package: "swift-log")], swiftSettings: swiftSettings),
    ]
)
