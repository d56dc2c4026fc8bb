import Foundation
import Glibc
import PFS

/// The staged deletions and new directories of a mount, appended to a file of the cache directory as they change, so
/// that a mount that dies before committing them does not lose them (a closed file has its ``StagedFileRecord``).
///
/// One file per source (`.pachs3-changes-<hash of the source>`), one JSON line per change, written as the change is
/// made (without a sync, like the records) and emptied whenever nothing is pending. The next mount of the source on
/// the same directory replays it and commits what it finds, with the files it stages again.
final class ChangeJournal: @unchecked Sendable {
    enum Op: String, Codable, Sendable {
        case delete, undelete, mkdir, unmkdir
    }

    struct Entry: Codable, Equatable, Sendable {
        var op: Op
        var project: String
        var repo: String
        var branch: String
        var path: String

        init(_ op: Op, _ b: WriteStage.Branch, _ path: String) {
            self.op = op
            project = b.repo.project
            repo = b.repo.name
            branch = b.name
            self.path = path
        }

        var stageBranch: WriteStage.Branch { WriteStage.Branch(repo: RepoID(repo, project: project), name: branch) }
    }

    /// What a journal says is pending, per branch.
    struct Pending: Equatable, Sendable {
        var deleted: Set<String> = []
        var dirs: Set<String> = []
    }

    let path: String
    private let lock = NSLock()
    private var fd: Int32 = -1
    private var log: (@Sendable (String) -> Void)?
    private var failed = false

    /// The journal of `source` in `directory` (not opened yet).
    init(directory: String, source: String) {
        let hash = Digest.of(Array(source.utf8)).hex.prefix(16)
        path = (directory as NSString).appendingPathComponent(".pachs3-changes-" + hash)
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// What the journal left by an earlier mount holds (a torn last line is skipped), then opens it for appending.
    func open(log: @escaping @Sendable (String) -> Void) -> [WriteStage.Branch: Pending] {
        var pending: [WriteStage.Branch: Pending] = [:]
        if let data = FileManager.default.contents(atPath: path) {
            let decoder = JSONDecoder()
            for line in data.split(separator: UInt8(ascii: "\n")) {
                guard let e = try? decoder.decode(Entry.self, from: Data(line)) else { continue }
                var p = pending[e.stageBranch] ?? Pending()
                switch e.op {
                case .delete: p.deleted.insert(e.path)
                case .undelete: p.deleted.remove(e.path)
                case .mkdir: p.dirs.insert(e.path)
                case .unmkdir: p.dirs.remove(e.path)
                }
                pending[e.stageBranch] = p
            }
        }
        pending = pending.filter { !$0.value.deleted.isEmpty || !$0.value.dirs.isEmpty }
        lock.withLock {
            self.log = log
            fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            if fd < 0 { fail(errno) }
        }
        return pending
    }

    /// Appends changes, in order.
    func append(_ entries: [Entry]) {
        guard !entries.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        var bytes = Data()
        for e in entries {
            guard let line = try? encoder.encode(e) else { continue }
            bytes.append(line)
            bytes.append(UInt8(ascii: "\n"))
        }
        lock.withLock {
            guard fd >= 0 else { return }
            let ok = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) == $0.count }
            if !ok { fail(errno) }
        }
    }

    /// Empties the journal: nothing is pending.
    func reset() {
        lock.withLock {
            guard fd >= 0 else { return }
            if ftruncate(fd, 0) != 0 { fail(errno) }
        }
    }

    /// Closes the journal, removing it if nothing is pending (at unmount).
    func close(pending: Bool) {
        lock.withLock {
            guard fd >= 0 else { return }
            Glibc.close(fd)
            fd = -1
            if !pending { unlink(path) }
        }
    }

    // Under the lock.
    private func fail(_ code: Int32) {
        guard !failed else { return }
        failed = true
        log?("cannot keep \(path) (\(String(cString: strerror(code)))): deletions and new directories a crash interrupts cannot be recovered from it")
    }
}
