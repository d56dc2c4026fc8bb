import PFSTestSupport
import Testing

@testable import PFS

@Suite struct GlobTests {
    @Test(arguments: [
        ("a/*.txt", "a/one.txt", true),
        ("a/*.txt", "a/b/one.txt", false),
        ("a/**/*.txt", "a/b/c/one.txt", true),
        ("a/**/*.txt", "a/one.txt", true),
        ("**", "anything/at/all", true),
        ("/a/?", "a/b", true),
        ("a/?", "a/", false),
        ("a?b", "a/b", false),
        ("[a-c]x", "bx", true),
        ("[!a-c]x", "bx", false),
        ("[^a-c]x", "dx", true),
        ("[ab", "a", false),
        ("\\*", "*", true),
        ("\\*", "a", false),
        ("", "", true),
        ("*", "", true),
        ("*/*", "a/b", true),
        ("*", "a/b", false),
    ])
    func matches(pattern: String, path: String, expected: Bool) {
        #expect(Glob(pattern).matches(path) == expected, "\(pattern) against \(path)")
    }

    /// Stars that backtracking tries in every combination (2^30 here) cost one pass each.
    @Test(.timeLimit(.minutes(1)))
    func pathologicalPatternsArePolynomial() {
        let path = String(repeating: "a", count: 1000)
        #expect(!Glob(String(repeating: "*a", count: 30) + "b").matches(path))
        #expect(!Glob(String(repeating: "**a", count: 30) + "b").matches(path))
        #expect(Glob(String(repeating: "*a", count: 30)).matches(path))
        #expect(!Glob(String(repeating: "*", count: 100_000) + "b").matches(path))
    }

    /// The compiled matcher agrees with the plain backtracking definition on every small pattern and path
    /// over an alphabet that has each kind of token.
    @Test func agreesWithBacktracking() {
        var rng = SplitMix64(seed: 7)
        let alphabet: [Character] = ["a", "b", "/", "*", "?", "[", "]", "!", "-", "\\"]
        let pathAlphabet: [Character] = ["a", "b", "/", "-", "*"]
        for _ in 0..<20_000 {
            let pattern = String((0..<Int.random(in: 0..<8, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            let path = String((0..<Int.random(in: 0..<8, using: &rng)).map { _ in pathAlphabet.randomElement(using: &rng)! })
            #expect(Glob(pattern).matches(path) == Backtracking(pattern).matches(path), "\(pattern) against \(path)")
        }
    }
}

/// The definition the matcher had before it was compiled: exponential on some patterns, the reference here.
private struct Backtracking {
    let pattern: [Character]

    init(_ pattern: String) {
        var p = pattern
        while p.hasPrefix("/") { p.removeFirst() }
        self.pattern = Array(p)
    }

    func matches(_ path: String) -> Bool { match(pattern[...], Array(path)[...]) }

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
