import Foundation
import PFS

/// In-process engine figures that a CLI run cannot isolate (process start-up would dominate):
/// the time of a one-file commit and of a 1,000-entry listing page, at a given repo size. A DATA_DIR
/// loaded by an earlier run is measured as it is.
///
/// With `--versions`, the time of a 1,000-version page of a version listing (S3's ListObjectVersions)
/// after a history of COMMITS one-file commits (a put, or every tenth a deletion) over KEYS keys; a
/// DATA_DIR loaded by an earlier run is measured as it is.
///
/// Usage: pfs-bench DATA_DIR FILES [ITERATIONS]   — prints one JSON line.
///        pfs-bench --versions DATA_DIR COMMITS KEYS [ITERATIONS]
@main
struct PFSBench {
    static func main() async throws {
        ProcessMemory.configure()
        let args = CommandLine.arguments
        if args.count >= 5, args[1] == "--versions", let commits = Int(args[3]), let keys = Int(args[4]) {
            try await versions(dataDirectory: args[2], commits: commits, keys: keys, iterations: args.count > 5 ? Int(args[5]) ?? 50 : 50)
            return
        }
        guard args.count >= 3, let files = Int(args[2]) else {
            FileHandle.standardError.write(Data("usage: pfs-bench DATA_DIR FILES [ITERATIONS] | --versions DATA_DIR COMMITS KEYS [ITERATIONS]\n".utf8))
            exit(2)
        }
        let iterations = args.count > 3 ? Int(args[3]) ?? 50 : 50
        let engine = try PFSEngine(dataDirectory: args[1])
        let repo = RepoID("bench")
        let ref = CommitRef.branch(repo, "master")
        let clock = ContinuousClock()

        let loadStart = clock.now
        // A store loaded by an earlier run is measured again as it is.
        let loaded = (try? await engine.inspectRepo(repo)) != nil
        if !loaded { try await engine.createRepo(repo) }
        var i = loaded ? files : 0
        while i < files {
            let n = min(50_000, files - i)
            let batch = (i..<(i + n)).map { j in (path: Self.path(j), bytes: Array("content of file \(j)\n".utf8)) }
            try await engine.putFiles(ref, files: batch)
            i += n
        }
        let loadSeconds = (clock.now - loadStart).seconds
        // The kernel writes the loaded store back in the background for tens of seconds; measured during that,
        // a commit and a page compete with it for the disk and both cores. Measure the store at rest.
        sync()
        // Progress on stderr, so a profiler can be attached to one phase.
        FileHandle.standardError.write(Data("loaded \(files) files in \(Int(loadSeconds)) s; committing\n".utf8))

        var rng = SystemRandomNumberGenerator()
        var commitTimes: [Double] = []
        for k in 0..<iterations {
            let body = [Array("update \(k)\n".utf8)]
            let t = clock.now
            _ = try await engine.putFile(ref, path: Self.path(Int.random(in: 0..<files, using: &rng)), from: body.async)
            commitTimes.append((clock.now - t).seconds * 1000)
        }
        FileHandle.standardError.write(Data("listing\n".utf8))
        // Cold: a fresh engine (empty node cache) per page, as for a page nobody read lately.
        // Warm: the same page again from the cache.
        var coldTimes: [Double] = []
        var warmTimes: [Double] = []
        for _ in 0..<iterations {
            let fresh = try PFSEngine(dataDirectory: args[1])
            _ = try await fresh.inspectCommit(ref)
            let start = Self.path(Int.random(in: 0..<max(1, files - 1000), using: &rng))
            var t = clock.now
            let page = try await fresh.listFiles(ref, prefix: "", startAfter: start, limit: 1000)
            coldTimes.append((clock.now - t).seconds * 1000)
            precondition(page.files.count > 0)
            t = clock.now
            _ = try await fresh.listFiles(ref, prefix: "", startAfter: start, limit: 1000)
            warmTimes.append((clock.now - t).seconds * 1000)
        }
        let result: [String: Double] = [
            "files": Double(files), "load_s": loadSeconds, "commit_ms": median(commitTimes), "list_cold_ms": median(coldTimes),
            "list_warm_ms": median(warmTimes), "rss_mb": residentMiB(),
        ]
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    static func versions(dataDirectory: String, commits: Int, keys: Int, iterations: Int) async throws {
        let engine = try PFSEngine(dataDirectory: dataDirectory)
        let repo = RepoID("bench")
        let ref = CommitRef.branch(repo, "master")
        let clock = ContinuousClock()
        var rng = SystemRandomNumberGenerator()
        let loadStart = clock.now
        // A store loaded by an earlier run is measured again as it is.
        let loaded = (try? await engine.inspectRepo(repo)) != nil
        if !loaded { try await engine.createRepo(repo) }
        for c in 0..<(loaded ? 0 : commits) {
            let key = Self.path(Int.random(in: 0..<keys, using: &rng))
            if c % 10 == 9 {
                try await engine.deleteFiles(ref, paths: [key])
            } else {
                _ = try await engine.putFile(ref, path: key, from: [Array("version \(c)\n".utf8)].async)
            }
        }
        let loadSeconds = (clock.now - loadStart).seconds
        var coldTimes: [Double] = []
        var warmTimes: [Double] = []
        var versions = 0
        for _ in 0..<iterations {
            let fresh = try PFSEngine(dataDirectory: dataDirectory)
            _ = try await fresh.inspectCommit(ref)
            let marker = Self.path(Int.random(in: 0..<max(1, keys / 2), using: &rng))
            var t = clock.now
            let page = try await fresh.listVersions(ref, keyMarker: marker, limit: 1000)
            coldTimes.append((clock.now - t).seconds * 1000)
            versions = max(versions, page.versions.count)
            t = clock.now
            _ = try await fresh.listVersions(ref, keyMarker: marker, limit: 1000)
            warmTimes.append((clock.now - t).seconds * 1000)
        }
        let result: [String: Double] = [
            "commits": Double(commits), "keys": Double(keys), "load_s": loadSeconds, "page_versions": Double(versions),
            "versions_cold_ms": median(coldTimes), "versions_warm_ms": median(warmTimes),
        ]
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    /// The resident memory of this process, in MiB.
    static func residentMiB() -> Double {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
        return Double(line?.split(separator: " ").dropFirst().first ?? "0").map { $0 / 1024 } ?? 0
    }

    static func path(_ j: Int) -> String { String(format: "dir%04d/file%08d.txt", j % 1000, j) }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.isEmpty ? 0 : s[s.count / 2]
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
