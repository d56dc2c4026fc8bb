import ArgumentParser
import Foundation
import PFS
import PFSClient

/// Tools for testing the store itself; hidden from help.
struct DebugCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "debug", shouldDisplay: false, subcommands: [WriteLoop.self])

    /// Writes and commits in a loop, printing `ACK <commit> <path> <seed> <size>` once each commit is acknowledged,
    /// so a test can kill it at any moment and check that every acknowledged commit survived.
    struct WriteLoop: AsyncParsableCommand {
        @OptionGroup var store: StoreOptions
        @Option var repo: String = "crash"
        @Option var iterations: Int = 1_000_000

        func run() async throws {
            let client = try store.client()
            let repo = try store.repo(repo)
            if (try? await client.inspectRepo(repo)) == nil { try await client.createRepo(repo, description: "") }
            // A run killed between start and finish leaves its commit open: finish it first.
            if let head = try? await client.inspectCommit(.branch(repo, "master")), head.isOpen {
                try await client.finishCommit(.commit(repo, head.id), description: "")
            }
            var rng = SplitMix64(seed: UInt64(UInt32(truncatingIfNeeded: getpid())))
            for i in 0..<iterations {
                let seed = rng.next()
                let size = Int(seed % 3 == 0 ? seed % 700_000 : seed % 5_000)
                let path = "f\(i % 50)/\(seed % 1000)"
                let bytes = SplitMix64.bytes(seed: seed, count: size)
                if i % 5 == 4 {
                    let c = try await client.startCommit(repo, branch: "master", parent: nil, description: "")
                    let ref = CommitRef.commit(repo, c.id)
                    _ = try await client.putFile(ref, path: path, bytes: bytes)
                    _ = try await client.putFile(ref, path: path + ".b", bytes: Array(bytes.prefix(1000)))
                    try await client.finishCommit(ref, description: "")
                    emit("ACK \(c.id) \(path) \(seed) \(size)")
                } else {
                    let r = try await client.putFile(.branch(repo, "master"), path: path, bytes: bytes)
                    emit("ACK \(r.commit) \(path) \(seed) \(size)")
                }
            }
        }

        private func emit(_ line: String) {
            let data = Array((line + "\n").utf8)
            data.withUnsafeBytes { _ = write(1, $0.baseAddress, $0.count) }
        }
    }
}

/// A small deterministic PRNG, so a test can regenerate the bytes the write loop put.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func bytes(seed: UInt64, count: Int) -> [UInt8] {
        var g = SplitMix64(seed: seed)
        var out = [UInt8]()
        out.reserveCapacity(count + 8)
        while out.count < count {
            let v = g.next()
            for s in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: v >> UInt64(s))) }
        }
        return Array(out.prefix(count))
    }
}
