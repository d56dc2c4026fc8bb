/// A parsed XML element: the small tree the S3 request-body parsers validate.
///
/// Parsed by hand, not with FoundationXML: `make fuzz` brought the server down through it twice in minutes
/// (a trap on an element name that is not UTF-8, a null dereference on a processing instruction without
/// data), and it leaks a string on every malformed body. Request bodies need only a small, strict subset
/// of XML 1.0, which is parsed here: an optional declaration (UTF-8), comments and processing instructions
/// (skipped), elements with attributes (checked, then ignored), character data, CDATA sections, and the five
/// predefined entities and character references. A DTD is refused, as S3 refuses it, which also rules out
/// entity-expansion attacks.
struct XMLTree: Sendable, Equatable {
    /// The local name (any namespace prefix removed).
    var name: String
    /// The character data directly inside this element.
    var text: String
    var children: [XMLTree]

    /// Parses `bytes`; nil when they are not well-formed UTF-8 XML, declare a DTD or entities, nest deeper
    /// than `maxDepth` or hold more than `maxElements` elements.
    static func parse(_ bytes: [UInt8], maxDepth: Int = 8, maxElements: Int) -> XMLTree? {
        guard let text = String(validating: bytes, as: UTF8.self), text.unicodeScalars.allSatisfy(isXMLChar) else { return nil }
        var parser = XMLTreeParser(normalizingLineEnds(bytes), maxDepth: maxDepth, maxElements: maxElements)
        return parser.document()
    }

    /// The characters XML 1.0 allows in a document (its `Char` production).
    static func isXMLChar(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }

    /// XML 1.0 §2.11: CR LF and a lone CR become LF before parsing.
    private static func normalizingLineEnds(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(0x0D) else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x0D {
                out.append(0x0A)
                if i + 1 < bytes.count, bytes[i + 1] == 0x0A { i += 1 }
            } else {
                out.append(bytes[i])
            }
            i += 1
        }
        return out
    }
}

/// A recursive-descent reader of the XML subset ``XMLTree`` describes, over valid UTF-8 without CR.
private struct XMLTreeParser {
    private let b: [UInt8]
    private var i = 0
    private let maxDepth: Int
    private let maxElements: Int
    private var elements = 0

    init(_ bytes: [UInt8], maxDepth: Int, maxElements: Int) {
        b = bytes
        self.maxDepth = maxDepth
        self.maxElements = maxElements
    }

    private struct Malformed: Error {}

    mutating func document() -> XMLTree? {
        do {
            if b.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
            if lookingAt("<?xml"), i + 5 < b.count, isSpace(b[i + 5]) || b[i + 5] == UInt8(ascii: "?") { try declaration() }
            try misc()
            guard lookingAt("<"), !lookingAt("<!"), !lookingAt("<?") else { throw Malformed() }
            let root = try element(depth: 1)
            try misc()
            guard i == b.count else { throw Malformed() }
            return root
        } catch {
            return nil
        }
    }

    // MARK: - Structure

    /// `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`: only UTF-8 (or its ASCII subset) is taken.
    private mutating func declaration() throws {
        i += 5
        var seen = Set<String>()
        while true {
            skipSpace()
            if lookingAt("?>") {
                i += 2
                break
            }
            let (name, value) = try attribute()
            guard ["version", "encoding", "standalone"].contains(name), seen.insert(name).inserted else { throw Malformed() }
            if name == "encoding", !["utf-8", "utf8", "us-ascii", "ascii"].contains(value.lowercased()) { throw Malformed() }
        }
        guard seen.contains("version") else { throw Malformed() }
    }

    /// Whitespace, comments and processing instructions, outside the root element.
    private mutating func misc() throws {
        while true {
            skipSpace()
            if lookingAt("<!--") {
                try comment()
            } else if lookingAt("<?") {
                try processingInstruction()
            } else {
                return
            }
        }
    }

    private mutating func element(depth: Int) throws -> XMLTree {
        elements += 1
        guard depth <= maxDepth, elements <= maxElements else { throw Malformed() }
        i += 1  // <
        let qualified = try name()
        var attributes = Set<String>()
        while true {
            let spaced = skipSpace()
            if lookingAt("/>") {
                i += 2
                return XMLTree(name: Self.localName(qualified), text: "", children: [])
            }
            if lookingAt(">") {
                i += 1
                break
            }
            guard spaced else { throw Malformed() }
            let (attribute, _) = try attribute()
            guard attributes.insert(attribute).inserted else { throw Malformed() }
        }
        var text: [UInt8] = []
        var children: [XMLTree] = []
        while true {
            guard i < b.count else { throw Malformed() }
            if b[i] != UInt8(ascii: "<") {
                if b[i] == UInt8(ascii: "&") {
                    try reference(into: &text)
                } else {
                    // `]]>` may not appear in character data.
                    if lookingAt("]]>") { throw Malformed() }
                    text.append(b[i])
                    i += 1
                }
            } else if lookingAt("</") {
                i += 2
                guard try name() == qualified else { throw Malformed() }
                skipSpace()
                try expect(">")
                return XMLTree(name: Self.localName(qualified), text: String(decoding: text, as: UTF8.self), children: children)
            } else if lookingAt("<![CDATA[") {
                i += 9
                guard let end = find("]]>") else { throw Malformed() }
                text += b[i..<end]
                i = end + 3
            } else if lookingAt("<!--") {
                try comment()
            } else if lookingAt("<?") {
                try processingInstruction()
            } else if lookingAt("<!") {
                throw Malformed()
            } else {
                children.append(try element(depth: depth + 1))
            }
        }
    }

    /// `name="value"` or `name='value'`, with references in the value resolved.
    private mutating func attribute() throws -> (String, String) {
        let attribute = try name()
        skipSpace()
        try expect("=")
        skipSpace()
        guard i < b.count, b[i] == UInt8(ascii: "\"") || b[i] == UInt8(ascii: "'") else { throw Malformed() }
        let quote = b[i]
        i += 1
        var value: [UInt8] = []
        while true {
            guard i < b.count, b[i] != UInt8(ascii: "<") else { throw Malformed() }
            if b[i] == quote {
                i += 1
                return (attribute, String(decoding: value, as: UTF8.self))
            }
            if b[i] == UInt8(ascii: "&") {
                try reference(into: &value)
            } else {
                value.append(b[i])
                i += 1
            }
        }
    }

    /// `<!-- … -->`, without `--` inside.
    private mutating func comment() throws {
        i += 4
        guard let end = find("--"), end + 2 < b.count, b[end + 2] == UInt8(ascii: ">") else { throw Malformed() }
        i = end + 3
    }

    /// `<?target …?>`; the target may not be `xml` in any case (the declaration comes first or not at all).
    private mutating func processingInstruction() throws {
        i += 2
        let target = try name()
        guard target.lowercased() != "xml" else { throw Malformed() }
        guard lookingAt("?>") || (i < b.count && isSpace(b[i])), let end = find("?>") else { throw Malformed() }
        i = end + 2
    }

    /// `&lt;` `&gt;` `&amp;` `&quot;` `&apos;`, `&#NNN;` and `&#xHH;` for an XML character; any other entity is unknown.
    private mutating func reference(into out: inout [UInt8]) throws {
        i += 1
        guard let semicolon = b[i...].prefix(32).firstIndex(of: UInt8(ascii: ";")), semicolon > i else { throw Malformed() }
        let body = b[i..<semicolon]
        i = semicolon + 1
        let scalar: Unicode.Scalar?
        switch String(decoding: body, as: UTF8.self) {
        case "lt": scalar = "<"
        case "gt": scalar = ">"
        case "amp": scalar = "&"
        case "quot": scalar = "\""
        case "apos": scalar = "'"
        case let s where s.hasPrefix("#x"): scalar = Self.number(s.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init)
        case let s where s.hasPrefix("#"): scalar = Self.number(s.dropFirst(), radix: 10).flatMap(Unicode.Scalar.init)
        default: scalar = nil
        }
        guard let scalar, XMLTree.isXMLChar(scalar) else { throw Malformed() }
        out += Array(String(Character(scalar)).utf8)
    }

    /// Digits only: `UInt32(_:radix:)` alone also takes a sign.
    private static func number(_ digits: Substring, radix: Int) -> UInt32? {
        guard !digits.isEmpty, digits.allSatisfy({ $0.isHexDigit && (radix == 16 || $0.isNumber) }) else { return nil }
        return UInt32(digits, radix: radix)
    }

    // MARK: - Lexing

    /// An XML name: a letter, `_`, `:` or any non-ASCII character, then those, digits, `-` and `.`.
    private mutating func name() throws -> String {
        let start = i
        while i < b.count {
            let c = b[i]
            let letter = (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == UInt8(ascii: "_") || c == UInt8(ascii: ":") || c >= 0x80
            let follower = (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")
            guard letter || (follower && i > start) else { break }
            i += 1
        }
        guard i > start else { throw Malformed() }
        return String(decoding: b[start..<i], as: UTF8.self)
    }

    private static func localName(_ qualified: String) -> String {
        qualified.lastIndex(of: ":").map { String(qualified[qualified.index(after: $0)...]) } ?? qualified
    }

    private func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }

    @discardableResult
    private mutating func skipSpace() -> Bool {
        let start = i
        while i < b.count, isSpace(b[i]) { i += 1 }
        return i > start
    }

    private func lookingAt(_ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard i + n <= b.count else { return false }
        return s.withUTF8Buffer { p in (0..<n).allSatisfy { b[i + $0] == p[$0] } }
    }

    private mutating func expect(_ s: StaticString) throws {
        guard lookingAt(s) else { throw Malformed() }
        i += s.utf8CodeUnitCount
    }

    /// The index of the next `s` at or after the cursor.
    private func find(_ s: StaticString) -> Int? {
        let n = s.utf8CodeUnitCount
        return s.withUTF8Buffer { p in
            var j = i
            while j + n <= b.count {
                if b[j] == p[0], (1..<n).allSatisfy({ b[j + $0] == p[$0] }) { return j }
                j += 1
            }
            return nil
        }
    }
}
