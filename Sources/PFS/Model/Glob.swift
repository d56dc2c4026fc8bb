/// Glob patterns as Pachyderm uses them: `*` and `?` within one path component, `**` across components,
/// and `[...]` character classes.
///
/// Matching costs O(pattern × path) whatever the pattern: a pattern is compiled into tokens and matched by
/// dynamic programming over one row of path positions, where backtracking over stars is exponential
/// (`*a*a*a*a*a*a*b` against a long run of `a`).
public struct Glob: Sendable {
    private let pattern: [Character]
    private let tokens: [Token]
    /// Tokens that take exactly one character: a path shorter than this never matches.
    private let minimumLength: Int

    private enum Token: Sendable {
        case literal(Character)
        /// `?`: one character other than `/`.
        case one
        /// `*`: any run of characters other than `/`.
        case star
        /// `**` (and a `/` right after it): any run of characters.
        case anything
        /// `[…]`: one character in (or, negated, not in) the set.
        case set([ClassItem], negated: Bool)
        /// A `[` without its `]`: nothing matches.
        case never
    }

    private enum ClassItem: Sendable {
        case single(Character)
        case range(Character, Character)
    }

    public init(_ pattern: String) {
        var p = pattern
        while p.hasPrefix("/") { p.removeFirst() }
        self.pattern = Array(p)
        tokens = Self.compile(self.pattern)
        minimumLength = tokens.count { if case .star = $0 { false } else if case .anything = $0 { false } else { true } }
    }

    /// The part of the pattern before its first wildcard: every match starts with it.
    public var literalPrefix: String {
        String(pattern.prefix { !"*?[\\".contains($0) })
    }

    public func matches(_ path: String) -> Bool {
        let s = Array(path)
        guard s.count >= minimumLength else { return false }
        let n = s.count
        // next[i]: whether the tokens after the current one match s[i...]; built from the last token back.
        var next = [Bool](repeating: false, count: n + 1)
        next[n] = true
        var row = next
        for token in tokens.reversed() {
            switch token {
            case .star, .anything:
                let crossesSlash: Bool
                if case .anything = token { crossesSlash = true } else { crossesSlash = false }
                row[n] = next[n]
                for i in stride(from: n - 1, through: 0, by: -1) {
                    row[i] = next[i] || ((crossesSlash || s[i] != "/") && row[i + 1])
                }
            default:
                row[n] = false
                for i in 0..<n { row[i] = next[i + 1] && Self.take(token, s[i]) }
            }
            swap(&row, &next)
        }
        return next[0]
    }

    /// Whether a one-character token takes `c`.
    private static func take(_ token: Token, _ c: Character) -> Bool {
        switch token {
        case .literal(let l): c == l
        case .one: c != "/"
        case .set(let items, let negated):
            items.contains {
                switch $0 {
                case .single(let x): x == c
                case .range(let lo, let hi): lo <= c && c <= hi
                }
            } != negated
        case .star, .anything, .never: false
        }
    }

    private static func compile(_ p: [Character]) -> [Token] {
        var tokens: [Token] = []
        var i = 0
        func appendStar(_ t: Token) {
            // Runs of stars are one star (`**` if any of them is): that keeps the tokens that take no
            // character at most one between two that take one.
            switch (tokens.last, t) {
            case (.anything?, _): return
            case (.star?, .anything):
                tokens[tokens.count - 1] = .anything
            case (.star?, _): return
            default: tokens.append(t)
            }
        }
        while i < p.count {
            switch p[i] {
            case "*":
                if i + 1 < p.count, p[i + 1] == "*" {
                    i += 2
                    if i < p.count, p[i] == "/" { i += 1 }
                    appendStar(.anything)
                } else {
                    i += 1
                    appendStar(.star)
                }
            case "?":
                tokens.append(.one)
                i += 1
            case "[":
                guard let close = p[(i + 1)...].firstIndex(of: "]") else {
                    tokens.append(.never)
                    i = p.count
                    break
                }
                var set = p[(i + 1)..<close]
                let negated = set.first == "!" || set.first == "^"
                if negated { set = set.dropFirst() }
                var items: [ClassItem] = []
                var j = set.startIndex
                while j < set.endIndex {
                    if j + 2 < set.endIndex, set[j + 1] == "-" {
                        items.append(.range(set[j], set[j + 2]))
                        j += 3
                    } else {
                        items.append(.single(set[j]))
                        j += 1
                    }
                }
                tokens.append(.set(items, negated: negated))
                i = close + 1
            case "\\":
                tokens.append(.literal(i + 1 < p.count ? p[i + 1] : "\\"))
                i += 2
            default:
                tokens.append(.literal(p[i]))
                i += 1
            }
        }
        return tokens
    }
}
