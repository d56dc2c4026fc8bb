import Foundation
import PFS

/// Terminal output: tables, sizes and times the way pachctl prints them.
enum Output {
    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("pachs3: \(message)\n".utf8))
        exit(1)
    }

    static func table(_ header: [String], _ rows: [[String]]) {
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i == cells.count - 1 ? c : c.padding(toLength: widths[i] + 2, withPad: " ", startingAt: 0) }.joined()
        }
        print(line(header))
        for r in rows { print(line(r)) }
    }

    static func size(_ bytes: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(bytes)
        var u = 0
        while v >= 1024, u < units.count - 1 {
            v /= 1024
            u += 1
        }
        return u == 0 ? "\(bytes) B" : String(format: "%.3g %@", v, units[u])
    }

    static func time(_ date: Date?) -> String {
        guard let date else { return "-" }
        let f = ISO8601DateFormatter()
        return f.string(from: date)
    }
}

/// A transfer progress line on stderr, shown only when stderr is a terminal.
final class Progress {
    private let total: UInt64?
    private let label: String
    private var done: UInt64 = 0
    private let start = Date()
    private var last = Date.distantPast
    private let enabled = isatty(2) == 1

    init(_ label: String, total: UInt64?) {
        self.label = label
        self.total = total
    }

    func add(_ n: Int) {
        done += UInt64(n)
        guard enabled, Date().timeIntervalSince(last) > 0.2 else { return }
        last = Date()
        draw()
    }

    private func draw() {
        let rate = Double(done) / max(Date().timeIntervalSince(start), 0.001)
        var s = "\r\(label): \(Output.size(done))"
        if let total { s += " / \(Output.size(total)) (\(total == 0 ? 100 : Int(Double(done) * 100 / Double(total)))%)" }
        s += "  \(Output.size(UInt64(rate)))/s   "
        FileHandle.standardError.write(Data(s.utf8))
    }

    func finish() {
        guard enabled else { return }
        draw()
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
