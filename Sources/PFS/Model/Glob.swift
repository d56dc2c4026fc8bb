/// Glob patterns as Pachyderm uses them: `*` and `?` within one path component, `**` across components,
/// and `[...]` character classes.
public struct Glob: Sendable {
    private let pattern: [Character]

    public init(_ pattern: String) {
        var p = pattern
        while p.hasPrefix("/") { p.removeFirst() }
        self.pattern = Array(p)
    }

    /// The part of the pattern before its first wildcard: every match starts with it.
    public var literalPrefix: String {
        String(pattern.prefix { !"*?[\\".contains($0) })
    }

    public func matches(_ path: String) -> Bool { match(pattern[...], Array(path)[...]) }

    private func match(_ p: ArraySlice<Character>, _ s: ArraySlice<Character>) -> Bool {
        var p = p
        var s = s
        while let c = p.first {
            switch c {
            case "*":
                if p.dropFirst().first == "*" {
                    var rest = p.dropFirst(2)
                    if rest.first == "/" { rest = rest.dropFirst() }
                    var t = s
                    while true {
                        if match(rest, t) { return true }
                        guard !t.isEmpty else { return false }
                        t = t.dropFirst()
                    }
                }
                let rest = p.dropFirst()
                var t = s
                while true {
                    if match(rest, t) { return true }
                    guard let f = t.first, f != "/" else { return false }
                    t = t.dropFirst()
                }
            case "?":
                guard let f = s.first, f != "/" else { return false }
                p = p.dropFirst()
                s = s.dropFirst()
            case "[":
                guard let f = s.first, let close = p.dropFirst().firstIndex(of: "]") else { return false }
                var set = p[(p.startIndex + 1)..<close]
                let negate = set.first == "!" || set.first == "^"
                if negate { set = set.dropFirst() }
                var found = false
                var i = set.startIndex
                while i < set.endIndex {
                    if i + 2 < set.endIndex, set[i + 1] == "-" {
                        if set[i] <= f && f <= set[i + 2] { found = true }
                        i += 3
                    } else {
                        if set[i] == f { found = true }
                        i += 1
                    }
                }
                guard found != negate else { return false }
                p = p[(close + 1)...]
                s = s.dropFirst()
            case "\\":
                let lit = p.dropFirst().first ?? "\\"
                guard s.first == lit else { return false }
                p = p.dropFirst(2)
                s = s.dropFirst()
            default:
                guard s.first == c else { return false }
                p = p.dropFirst()
                s = s.dropFirst()
            }
        }
        return s.isEmpty
    }
}
