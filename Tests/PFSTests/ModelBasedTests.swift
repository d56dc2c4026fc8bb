import Foundation
import PFSTestSupport
import Testing

@testable import PFS

/// Random operation sequences applied both to the engine and to a plain in-memory model; afterwards
/// every commit of the history is compared with the model through every read API.
@Suite("Model-based engine tests")
struct ModelBasedTests {
    @Test("random histories match the reference model", arguments: [UInt64(1), 2, 3])
    func randomHistory(seed: UInt64) async throws {
        try await withEngine("model-\(seed)") { engine, _ in
            let run = ModelRun(engine: engine, seed: seed)
            try await run.run(operations: 450)
            try await run.verifyAll()
        }
    }
}

/// One file version in the model: its bytes and the commit that last wrote it.
private struct Version: Equatable {
    var bytes: [UInt8]
    var writer: CommitID
}

private typealias Files = [String: Version]

/// An entry of a listing, files and common prefixes merged in key order.
private enum Item: Equatable, CustomStringConvertible {
    case file(String, size: UInt64)
    case prefix(String)

    var key: String {
        switch self {
        case .file(let k, _), .prefix(let k): return k
        }
    }

    var description: String {
        switch self {
        case .file(let k, let s): return "file(\(k), \(s))"
        case .prefix(let k): return "prefix(\(k))"
        }
    }
}

private final class ModelRun {
    let engine: PFSEngine
    let repo = RepoID("model")
    let seed: UInt64
    var rng: SplitMix64

    /// Finished commits and their files.
    var recorded: [CommitID: Files] = [:]
    /// Every commit ever created (finished or not), with its parent.
    var parents: [CommitID: CommitID] = [:]
    var order: [CommitID] = []
    /// Every commit ID the engine returned or started.
    var seen: Set<CommitID> = []
    /// Content at each branch head (pending content for an open head).
    var branchFiles: [String: Files] = [:]
    var heads: [String: CommitID] = [:]
    var branch = "master"
    var open: CommitID?
    var branchCounter = 0
    var pool: [[UInt8]] = []
    var step = 0
    /// Recent operations, for failure messages.
    var log: [String] = []

    static let components = ["a", "b", "a-", "é"]

    init(engine: PFSEngine, seed: UInt64) {
        self.engine = engine
        self.seed = seed
        rng = SplitMix64(seed: seed &* 0x1234_5678_9ABC_DEF1 &+ 7)
    }

    // MARK: randomness

    func roll(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
    func chance(_ percent: Int) -> Bool { roll(100) < percent }
    func pick<T>(_ a: [T]) -> T { a[roll(a.count)] }

    func randomPath() -> String {
        let r = roll(10)
        let depth = r < 3 ? 1 : (r < 7 ? 2 : 3)
        var p = (0..<depth).map { _ in pick(Self.components) }.joined(separator: "/")
        if chance(4) { p += "/" }
        return p
    }

    func payload() -> [UInt8] {
        let r = roll(100)
        if r < 15, !pool.isEmpty { return pick(pool) }
        let bytes: [UInt8]
        if r < 18 {
            bytes = randomBytes(250_000 + roll(100_000), using: &rng)
        } else {
            bytes = randomBytes(roll(3001), using: &rng)
        }
        if pool.count < 40 { pool.append(bytes) } else { pool[roll(pool.count)] = bytes }
        return bytes
    }

    var files: Files {
        get { branchFiles[branch] ?? [:] }
        set { branchFiles[branch] = newValue }
    }

    func note(_ s: String) {
        log.append("#\(step) [\(branch)\(open == nil ? "" : " open")] \(s)")
        if log.count > 30 { log.removeFirst() }
    }

    var context: String { "seed \(seed), recent operations:\n" + log.joined(separator: "\n") }

    // MARK: operations

    /// Applies one write to the engine and, with the same meaning, to the model.
    func write(_ what: String, engineOp: (CommitRef) async throws -> CommitID, model: (inout Files, CommitID) -> Void) async throws {
        note(what)
        let ref: CommitRef = if let open, chance(50) { .commit(repo, open) } else { .branch(repo, branch) }
        let c = try await engineOp(ref)
        if let open {
            #expect(c == open, "a write into the open commit landed in \(c), \(context)")
            model(&files, open)
        } else {
            #expect(seen.insert(c).inserted, "commit \(c) was returned twice, \(context)")
            var f = files
            model(&f, c)
            files = f
            parents[c] = heads[branch]
            heads[branch] = c
            recorded[c] = f
            order.append(c)
        }
    }

    func run(operations: Int) async throws {
        try await engine.createRepo(repo)
        // The first write creates the branch.
        let first = payload()
        try await write("put a", engineOp: { try await put(engine, $0, "a", first).commit }, model: { $0["a"] = Version(bytes: first, writer: $1) })
        for i in 0..<operations {
            step = i
            try await oneOperation()
        }
        if let open {
            note("final finish")
            try await finish(open)
        }
    }

    func oneOperation() async throws {
        if let open, chance(25) {
            note("finish \(open)")
            try await finish(open)
            return
        }
        let r = roll(100)
        switch r {
        case 0..<30:
            let path = randomPath()
            let bytes = payload()
            try await write("put \(path) (\(bytes.count) bytes)", engineOp: { try await put(engine, $0, path, bytes).commit }) {
                $0[path] = Version(bytes: bytes, writer: $1)
            }
            try await checkPending([path])
        case 30..<42:
            let path = files.isEmpty || chance(20) ? randomPath() : pick(Array(files.keys))
            let extra = chance(10) ? [] : randomBytes(roll(2000), using: &rng)
            let old = files[path]?.bytes ?? []
            try await write(
                "append \(path) (+\(extra.count) bytes)",
                engineOp: { ref in
                    let res = try await put(engine, ref, path, extra, append: true)
                    #expect(res.size == UInt64(old.count + extra.count), "append result size, \(context)")
                    return res.commit
                }
            ) { $0[path] = Version(bytes: old + extra, writer: $1) }
            try await checkPending([path])
        case 42..<52:
            let path = files.isEmpty || chance(15) ? randomPath() : pick(Array(files.keys))
            try await write("delete \(path)", engineOp: { try await engine.deleteFiles($0, paths: [path]) }) { f, _ in f[path] = nil }
            try await checkPending([path])
        case 52..<58:
            var prefix = ""
            if let k = files.keys.randomElement(using: &rng), !chance(5) {
                prefix = String(k.prefix(1 + roll(k.count)))
            }
            let gone = files.keys.filter { hasBytePrefix($0, prefix) }
            let other = files.isEmpty || chance(50) ? nil : pick(Array(files.keys))
            try await write(
                "delete prefix '\(prefix)' (\(gone.count) files) and path \(other ?? "-")",
                engineOp: { try await engine.deleteFiles($0, paths: other.map { [$0] } ?? [], prefixes: [prefix]) }
            ) { f, _ in
                for k in gone { f[k] = nil }
                if let other { f[other] = nil }
            }
            try await checkPending(gone + (other.map { [$0] } ?? []))
        case 58..<70:
            try await copy()
        case 70..<75 where open == nil:
            branchCounter += 1
            let name = "b\(branchCounter)"
            note("create branch \(name) at \(heads[branch]!)")
            let info = try await engine.createBranch(repo, name, head: .branch(repo, branch))
            #expect(info.head == heads[branch], "new branch head, \(context)")
            heads[name] = heads[branch]
            branchFiles[name] = files
            branch = name
        case 75..<80 where open == nil:
            branch = pick(Array(heads.keys).sorted())
            note("switch to branch \(branch)")
        case 80..<88 where open == nil:
            try await startCommit()
        default:
            // A read of the current state: the branch HEAD matches the model.
            let walked = try await engine.walkFiles(.branch(repo, branch))
            #expect(walked.map(\.path) == utf8Sorted(files.keys), "walk of branch HEAD, \(context)")
        }
    }

    func copy() async throws {
        // The source: the current branch (possibly an open commit) or any finished commit.
        var srcRef = CommitRef.branch(repo, branch)
        var src = files
        if !order.isEmpty, chance(30) {
            let c = pick(order)
            srcRef = .commit(repo, c)
            src = recorded[c]!
        }
        var srcPath = randomPath()
        if !src.isEmpty, chance(60) { srcPath = pick(Array(src.keys)) }
        if chance(30), let k = src.keys.randomElement(using: &rng), let slash = k.firstIndex(of: "/") {
            srcPath = String(k[..<slash])  // a directory
        }
        let dstPath = (0..<(1 + roll(2))).map { _ in pick(Self.components) }.joined(separator: "/")
        var copied: [(String, [UInt8])] = []
        if let v = src[srcPath] {
            copied = [(dstPath, v.bytes)]
        } else {
            let sd = srcPath.hasSuffix("/") ? srcPath : srcPath + "/"
            let dd = dstPath.hasSuffix("/") ? dstPath : dstPath + "/"
            for (k, v) in src where hasBytePrefix(k, sd) {
                copied.append((dd + String(decoding: Array(k.utf8)[sd.utf8.count...], as: UTF8.self), v.bytes))
            }
        }
        if copied.isEmpty {
            note("copy of missing \(srcPath) from \(srcRef)")
            let before = try await engine.listCommits(repo).count
            await expectPFSError(.notFound, "copy of a missing path, \(context)") {
                try await engine.copyFile(from: srcRef, path: srcPath, to: .branch(repo, branch), path: dstPath)
            }
            #expect(try await engine.listCommits(repo).count == before, "a failed copy made a commit, \(context)")
            return
        }
        try await write(
            "copy \(srcRef):\(srcPath) -> \(dstPath) (\(copied.count) files)",
            engineOp: { try await engine.copyFile(from: srcRef, path: srcPath, to: $0, path: dstPath) }
        ) { f, c in
            for (k, b) in copied { f[k] = Version(bytes: b, writer: c) }
        }
        try await checkPending(copied.map(\.0))
    }

    func startCommit() async throws {
        var parentRef: CommitRef?
        var parent = heads[branch]
        var base = files
        if chance(20), !order.isEmpty {
            let p = pick(order)
            parentRef = .commit(repo, p)
            parent = p
            base = recorded[p]!
        }
        note("start commit on \(branch) with parent \(parent.map(\.rawValue) ?? "-")")
        let info = try await engine.startCommit(repo, branch: branch, parent: parentRef)
        #expect(info.isOpen, "a started commit is open, \(context)")
        #expect(info.parent == parent, "parent of the started commit, \(context)")
        #expect(seen.insert(info.id).inserted, "started commit id reused, \(context)")
        parents[info.id] = parent
        heads[branch] = info.id
        files = base
        open = info.id
        // Starting another commit on the branch is refused while this one is open.
        await expectPFSError(.failedPrecondition, "second start commit, \(context)") {
            try await engine.startCommit(repo, branch: branch)
        }
        try await checkPending([])
    }

    func finish(_ id: CommitID) async throws {
        // Before finishing, the open commit shows exactly the pending files.
        let walked = try await engine.walkFiles(.commit(repo, id))
        #expect(walked.map(\.path) == utf8Sorted(files.keys), "walk of the open commit, \(context)")
        let ref: CommitRef = chance(50) ? .commit(repo, id) : .branch(repo, branch)
        let info = try await engine.finishCommit(ref)
        #expect(info.id == id && !info.isOpen, "finished commit, \(context)")
        recorded[id] = files
        order.append(id)
        open = nil
        await expectPFSError(.failedPrecondition, "finishing twice, \(context)") { try await engine.finishCommit(.commit(repo, id)) }
    }

    /// Reads of the open commit (through its ID and through the branch) see the pending writes.
    func checkPending(_ paths: [String]) async throws {
        guard let open else { return }
        for path in paths {
            for ref in [CommitRef.commit(repo, open), .branch(repo, branch)] {
                if let v = files[path] {
                    let same = try await readAll(engine, ref, path) == v.bytes
                    #expect(same, "pending read of \(path) through \(ref), \(context)")
                } else {
                    let isDir = files.keys.contains { hasBytePrefix($0, path.hasSuffix("/") ? path : path + "/") }
                    await expectPFSError(isDir ? .failedPrecondition : .notFound, "pending read of deleted \(path), \(context)") {
                        try await engine.getFile(ref, path: path)
                    }
                }
            }
        }
        let info = try await engine.inspectCommit(.commit(repo, open))
        #expect(info.isOpen)
        #expect(info.fileCount == UInt64(files.count), "file count of the open commit, \(context)")
        #expect(info.sizeBytes == files.values.reduce(0) { $0 + UInt64($1.bytes.count) }, "size of the open commit, \(context)")
    }

    // MARK: verification

    func verifyAll() async throws {
        log = []
        #expect(recorded.count == order.count)
        #expect(order.count > 100, "the run should make many commits")
        // Branch heads.
        let branches = try await engine.listBranches(repo)
        #expect(Dictionary(uniqueKeysWithValues: branches.map { ($0.name, $0.head) }) == heads.mapValues { Optional($0) })
        for (name, head) in heads {
            let chain = try await engine.listCommits(repo, from: .branch(repo, name)).map(\.id)
            var expected: [CommitID] = []
            var c: CommitID? = head
            while let id = c {
                expected.append(id)
                c = parents[id]
            }
            #expect(chain == expected, "history of branch \(name)")
        }
        for c in order {
            try await verifyCommit(c)
        }
        // Diffs between random pairs of commits, in both directions, some under a prefix.
        for _ in 0..<40 {
            let a = pick(order)
            let b = pick(order)
            let prefix = chance(30) ? pick(["a", "a/", "é/", "b/a"]) : ""
            try await checkDiff(new: b, old: a, prefix: prefix, explicitOld: true)
        }
    }

    func verifyCommit(_ c: CommitID) async throws {
        let ref = CommitRef.commit(repo, c)
        let expected = recorded[c]!
        let keys = utf8Sorted(expected.keys)
        let info = try await engine.inspectCommit(ref)
        #expect(!info.isOpen, "commit \(c) is finished")
        #expect(info.parent == parents[c], "parent of \(c)")
        #expect(info.fileCount == UInt64(expected.count), "file count of \(c)")
        #expect(info.sizeBytes == expected.values.reduce(0) { $0 + UInt64($1.bytes.count) }, "size of \(c)")

        // The full walk: paths in byte order, sizes, and the commit that last wrote each file.
        let walked = try await engine.walkFiles(ref)
        #expect(walked.map(\.path) == keys, "walk of \(c)")
        for f in walked {
            guard let v = expected[f.path] else { continue }
            #expect(f.size == UInt64(v.bytes.count), "walk size of \(f.path) in \(c)")
            #expect(f.entry?.commit == v.writer, "writer of \(f.path) in \(c)")
            #expect(f.kind == (f.path.hasSuffix("/") ? .directory : .file))
        }

        // Every file's bytes and size.
        for k in keys {
            let v = expected[k]!
            let got = try await readAll(engine, ref, k)
            let same = got == v.bytes
            #expect(same, "bytes of \(k) in \(c): \(got.count) bytes, expected \(v.bytes.count)")
            let fi = try await engine.inspectFile(ref, path: k)
            #expect(fi.size == UInt64(v.bytes.count), "inspectFile size of \(k) in \(c)")
            #expect(fi.entry != nil)
        }
        // One ranged read per commit.
        if let k = keys.randomElement(using: &rng) {
            let b = expected[k]!.bytes
            let off = roll(b.count + 1)
            let len = roll(b.count - off + 2)
            let got = try await readAll(engine, ref, k, offset: UInt64(off), length: UInt64(len))
            let same = got == Array(b[off..<min(b.count, off + len)])
            #expect(same, "range [\(off), +\(len)) of \(k) in \(c)")
            await expectPFSError(.invalidArgument, "read past EOF") { try await engine.getFile(ref, path: k, offset: UInt64(b.count + 1)) }
        }

        // Paged listings, with and without a delimiter, at the root and under a prefix.
        var prefixes = [""]
        if let k = keys.randomElement(using: &rng) { prefixes.append(String(k.prefix(1 + roll(k.count)))) }
        prefixes.append(pick(["a/", "a", "é/", "b/a-/"]))
        for prefix in prefixes {
            for delimiter in [nil, "/"] as [String?] {
                try await checkListing(c, expected, prefix: prefix, delimiter: delimiter)
            }
        }

        // The diff with the parent.
        try await checkDiff(new: c, old: parents[c], prefix: "", explicitOld: false)

        // The versions of the history that ends at this commit, paged, with and without a delimiter.
        try await checkVersions(c, prefix: "", delimiter: chance(50) ? "/" : nil)
        if let k = keys.randomElement(using: &rng) { try await checkVersions(c, prefix: String(k.prefix(1 + roll(k.count))), delimiter: nil) }
    }

    /// Every version of the history ending at `c` under `prefix`, from the model: per key in byte order,
    /// newest first, each commit whose write or deletion changed the key, as "path commit put|del[ latest]";
    /// with a delimiter, the keys it rolls up are replaced by their common prefixes.
    func expectedVersions(_ c: CommitID, prefix: String, delimiter: String?) -> (versions: [String], prefixes: [String]) {
        var byKey: [String: [String]] = [:]
        var x: CommitID? = c
        while let id = x {
            let new = recorded[id]!
            let old = parents[id].map { recorded[$0]! } ?? [:]
            for k in Set(new.keys).union(old.keys) where hasBytePrefix(k, prefix) && new[k]?.writer != old[k]?.writer {
                byKey[k, default: []].append("\(k) \(id) \(new[k] == nil ? "del" : "put")")
            }
            x = parents[id]
        }
        var versions: [String] = []
        var prefixes: [String] = []
        for k in utf8Sorted(byKey.keys) {
            let rest = Array(k.utf8)[prefix.utf8.count...]
            if delimiter != nil, let slash = rest.firstIndex(of: UInt8(ascii: "/")) {
                let cp = String(decoding: Array(k.utf8)[...slash], as: UTF8.self)
                if prefixes.last != cp { prefixes.append(cp) }
                continue
            }
            for (i, v) in byKey[k]!.enumerated() { versions.append(i == 0 ? v + " latest" : v) }
        }
        return (versions, prefixes)
    }

    func checkVersions(_ c: CommitID, prefix: String, delimiter: String?) async throws {
        let (want, wantPrefixes) = expectedVersions(c, prefix: prefix, delimiter: delimiter)
        let limit = 3 + roll(6)
        var got: [String] = []
        var gotPrefixes: [String] = []
        var keyMarker: String?
        var versionMarker: String?
        let what = "versions of \(c) under '\(prefix)' delimiter \(delimiter ?? "nil") limit \(limit)"
        for _ in 0...(want.count + wantPrefixes.count) {
            let p = try await engine.listVersions(
                .commit(repo, c), prefix: prefix, keyMarker: keyMarker, versionMarker: versionMarker, delimiter: delimiter, limit: limit)
            got += p.versions.map { "\($0.path) \($0.commit) \($0.isDeletion ? "del" : "put")\($0.isLatest ? " latest" : "")" }
            gotPrefixes += p.commonPrefixes
            let items = p.versions.count + p.commonPrefixes.count
            #expect(p.isTruncated ? items == limit : items <= limit, "page size of \(what)")
            guard p.isTruncated else { break }
            keyMarker = p.nextKeyMarker
            versionMarker = p.nextVersionMarker
        }
        #expect(got == want, "\(what)")
        #expect(gotPrefixes == wantPrefixes, "common prefixes of \(what)")
    }

    func expectedListing(_ files: Files, prefix: String, delimiter: String?) -> [Item] {
        var out: [Item] = []
        for k in utf8Sorted(files.keys) where hasBytePrefix(k, prefix) {
            let rest = Array(k.utf8)[prefix.utf8.count...]
            if delimiter != nil, let slash = rest.firstIndex(of: UInt8(ascii: "/")) {
                let cp = String(decoding: Array(k.utf8)[...slash], as: UTF8.self)
                if out.last != .prefix(cp) { out.append(.prefix(cp)) }
            } else {
                out.append(.file(k, size: UInt64(files[k]!.bytes.count)))
            }
        }
        return out
    }

    func checkListing(_ c: CommitID, _ files: Files, prefix: String, delimiter: String?) async throws {
        let expected = expectedListing(files, prefix: prefix, delimiter: delimiter)
        let limit = 7
        var marker: String?
        var page = 0
        while true {
            let p = try await engine.listFiles(.commit(repo, c), prefix: prefix, startAfter: marker, delimiter: delimiter, limit: limit)
            var items: [Item] = p.files.map { .file($0.path, size: $0.size) } + p.commonPrefixes.map { .prefix($0) }
            items.sort { utf8Less($0.key, $1.key) }
            let lo = min(expected.count, page * limit)
            let hi = min(expected.count, lo + limit)
            let want = Array(expected[lo..<hi])
            let what = "page \(page) of \(c) prefix '\(prefix)' delimiter \(delimiter ?? "nil")"
            #expect(items == want, "\(what)")
            #expect(p.isTruncated == (hi < expected.count), "isTruncated of \(what)")
            #expect(p.nextMarker == (hi < expected.count ? want.last?.key : nil), "nextMarker of \(what)")
            guard p.isTruncated, let m = p.nextMarker, items == want, page <= expected.count / limit else { break }
            marker = m
            page += 1
        }
    }

    func checkDiff(new: CommitID, old: CommitID?, prefix: String, explicitOld: Bool) async throws {
        let newFiles = recorded[new]!
        let oldFiles = old.map { recorded[$0]! } ?? [:]
        var expected: [(FileChange.Kind, String)] = []
        for k in utf8Sorted(Set(newFiles.keys).union(oldFiles.keys)) where hasBytePrefix(k, prefix) {
            switch (oldFiles[k], newFiles[k]) {
            case (nil, _?): expected.append((.added, k))
            case (_?, nil): expected.append((.deleted, k))
            case (let a?, let b?):
                // The model itself: different bytes always come from a different write.
                if a.bytes != b.bytes { #expect(a.writer != b.writer, "model invariant") }
                if a.writer != b.writer { expected.append((.modified, k)) }
            default: break
            }
        }
        let changes = try await engine.diffFiles(
            .commit(repo, new), old: explicitOld ? old.map { .commit(repo, $0) } : nil, prefix: prefix)
        let got = changes.map { "\($0.kind.rawValue) \($0.path)" }
        let want = expected.map { "\($0.0.rawValue) \($0.1)" }
        #expect(got == want, "diff \(old.map(\.rawValue) ?? "-") -> \(new) under '\(prefix)'")
        // Added and deleted paths match exactly; every path whose bytes differ is reported as modified.
        let gotAD = Set(changes.filter { $0.kind != .modified }.map(\.path))
        let wantAD = Set(expected.filter { $0.0 != .modified }.map(\.1))
        #expect(gotAD == wantAD)
        let modified = Set(changes.filter { $0.kind == .modified }.map(\.path))
        for (k, b) in newFiles where hasBytePrefix(k, prefix) {
            if let a = oldFiles[k], a.bytes != b.bytes { #expect(modified.contains(k), "\(k) changed but is not reported modified") }
        }
        for ch in changes {
            #expect(ch.old?.size == oldFiles[ch.path].map { UInt64($0.bytes.count) }, "old entry of \(ch.path)")
            #expect(ch.new?.size == newFiles[ch.path].map { UInt64($0.bytes.count) }, "new entry of \(ch.path)")
        }
    }
}
