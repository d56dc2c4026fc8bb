// swift-tools-version:6.1
import Foundation
import PackageDescription

// Coverage-guided fuzzing of pachs3's parsers with libFuzzer (`make fuzz`, from the top directory).
// A package of its own: its targets only link with `--sanitize=fuzzer`, which `make test` never uses.
// SwiftPM names a path dependency after its directory, whatever the clone is called.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
let pachs3 = root.lastPathComponent.lowercased()

let package = Package(
    name: "pachs3-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "../.."), .package(url: "https://github.com/apple/swift-nio", from: "2.81.0")],
    targets: [
        .executableTarget(name: "FuzzS3Requests", dependencies: [.product(name: "S3Gateway", package: pachs3)]),
        .executableTarget(name: "FuzzPostForm", dependencies: ["FuzzSupport", .product(name: "S3Gateway", package: pachs3)]),
        .executableTarget(name: "FuzzAWSChunked", dependencies: ["FuzzSupport", .product(name: "S3Gateway", package: pachs3)]),
        .executableTarget(name: "FuzzPFSModel", dependencies: [.product(name: "PFSClient", package: pachs3)]),
        .executableTarget(name: "FuzzTreeNode", dependencies: [.product(name: "PFS", package: pachs3)]),
        .target(name: "FuzzSupport", dependencies: [.product(name: "NIOCore", package: "swift-nio")]),
    ]
)
