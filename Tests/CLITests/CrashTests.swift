import Foundation
import PFS
import PFSClient
import Testing

/// A writer killed with SIGKILL at random moments loses no acknowledged commit and leaves no corruption.
@Suite struct CrashTests {
    struct Ack {
        var commit: CommitID
        var path: String
        var seed: UInt64
        var size: Int
    }

    @Test func killedWriterKeepsEveryAcknowledgedCommit() async throws {
        let data = try temporaryDirectory("crash")
        defer { try? FileManager.default.removeItem(atPath: data) }
        var acks: [Ack] = []
        var rng = SplitMix64(seed: UInt64(Date().timeIntervalSince1970))
        for _ in 0..<4 {
            acks += try await runAndKill(data: data, afterAcks: Int(rng.next() % 40) + 3, extraMicros: UInt32(rng.next() % 30_000))
        }
        #expect(acks.count >= 12)
        let client = try LocalPFSClient(dataDirectory: data)
        let repo = RepoID("crash")
        for a in acks {
            let got = try await client.readFile(.commit(repo, a.commit), path: a.path)
            #expect(got == SplitMix64.bytes(seed: a.seed, count: a.size), "\(a.path) at \(a.commit)")
        }
        let report = try await client.checkIntegrity()
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.commits >= Set(acks.map(\.commit)).count)
    }

    /// Starts the write loop, waits for `afterAcks` acknowledgements, then kills it mid-flight.
    private func runAndKill(data: String, afterAcks: Int, extraMicros: UInt32) async throws -> [Ack] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: pachs3Binary)
        p.arguments = ["debug", "write-loop", "--data-dir", data]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        var buffer = Data()
        var acks: [Ack] = []
        let handle = out.fileHandleForReading
        func parseLines() {
            while let nl = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...nl)
                let f = line.split(separator: " ")
                if f.count == 5, f[0] == "ACK", let c = CommitID(String(f[1])), let seed = UInt64(f[3]), let size = Int(f[4]) {
                    acks.append(Ack(commit: c, path: String(f[2]), seed: seed, size: size))
                }
            }
        }
        while acks.count < afterAcks {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            parseLines()
        }
        // Land the kill at a random point of the next write, not just after an acknowledgement.
        usleep(extraMicros)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        buffer.append(handle.readDataToEndOfFile())
        parseLines()
        #expect(p.terminationReason == .uncaughtSignal)
        return acks
    }
}
