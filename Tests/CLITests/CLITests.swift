import Foundation
import Testing

@Suite struct CLITests {
    @Test func putGetListDiffRoundTrip() throws {
        let data = try temporaryDirectory("cli")
        defer { try? FileManager.default.removeItem(atPath: data) }
        #expect(try pachs3(["create", "repo", "images"], data: data).status == 0)
        let big = Data(SplitMix64.bytes(seed: 7, count: 5_000_000))
        let put = try pachs3(["put", "file", "images@master:/big.bin"], data: data, input: big)
        #expect(put.status == 0, "\(put.stderr)")
        let commit = put.text.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(commit.count == 32)
        let got = try pachs3(["get", "file", "images@master:/big.bin"], data: data)
        #expect(got.status == 0)
        // Compared as a Bool: on a mismatch swift-testing would diff 5 MB byte by byte, for hours.
        #expect(Bool(got.stdout == big), "got \(got.stdout.count) bytes, not the \(big.count) put")
        let ranged = try pachs3(["get", "file", "images@master:/big.bin", "--offset", "1000000", "--length", "10"], data: data)
        #expect(ranged.stdout == big.subdata(in: 1_000_000..<1_000_010))

        // A directory put with -r lands as one commit.
        let local = try temporaryDirectory("cli-src")
        defer { try? FileManager.default.removeItem(atPath: local) }
        try FileManager.default.createDirectory(atPath: local + "/sub", withIntermediateDirectories: true)
        try Data("a".utf8).write(to: URL(fileURLWithPath: local + "/a.txt"))
        try Data("b".utf8).write(to: URL(fileURLWithPath: local + "/sub/b.txt"))
        #expect(try pachs3(["put", "file", "-r", "images@master:/dir", "-f", local], data: data).status == 0)
        let commits = try pachs3(["list", "commit", "images@master"], data: data).text.split(separator: "\n")
        #expect(commits.count == 3)  // header + two commits
        let listing = try pachs3(["list", "file", "images@master:/dir"], data: data).text
        #expect(listing.contains("/dir/a.txt"))
        #expect(listing.contains("/dir/sub/"))
        let diff = try pachs3(["diff", "file", "images@master"], data: data).text
        #expect(diff.contains("+ /dir/a.txt") && diff.contains("+ /dir/sub/b.txt") && !diff.contains("big.bin"))
        #expect(try pachs3(["get", "file", "images@master^1:/dir/a.txt"], data: data).status != 0)
        #expect(try pachs3(["fsck"], data: data).status == 0)
    }

    @Test func errorsGoToStderrWithNonZeroExit() throws {
        let data = try temporaryDirectory("cli-err")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let bad = try pachs3(["create", "repo", "bad name"], data: data)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("contains the character ' '"))
        #expect(bad.stdout.isEmpty)
        let missing = try pachs3(["get", "file", "nope@master:/x"], data: data)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("not found"))
        #expect(try pachs3(["create", "repo", "r"], data: data).status == 0)
        let dup = try pachs3(["create", "repo", "r"], data: data)
        #expect(dup.status != 0 && dup.stderr.contains("already exists"))
        let badRef = try pachs3(["inspect", "commit", "r@master^x"], data: data)
        #expect(badRef.status != 0 && badRef.stderr.contains("non-negative number"))
    }
}
