/// A small, fast XML builder that writes UTF-8 straight into a byte buffer.
///
/// It writes what S3 writes: a declaration, elements, and text escaped for XML 1.0, with control
/// characters XML cannot hold literally written as numeric references (`&#x1;`) the way S3 does.
public struct XMLWriter: Sendable {
    /// The document written so far.
    public private(set) var bytes: [UInt8]

    /// Creates an empty writer reserving `capacity` bytes.
    public init(capacity: Int = 512) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Writes `<?xml version="1.0" encoding="UTF-8"?>` and a newline.
    public mutating func declaration() {
        bytes.append(contentsOf: Self.declarationBytes)
    }

    /// Writes `<name>` or `<name xmlns="…">`.
    public mutating func open(_ name: String, xmlns: String? = nil) {
        open(name, attributes: xmlns.map { [("xmlns", $0)] } ?? [])
    }

    /// Writes `<name a="…" b="…">`, the values escaped.
    public mutating func open(_ name: String, attributes: [(name: String, value: String)]) {
        bytes.append(UInt8(ascii: "<"))
        bytes.append(contentsOf: name.utf8)
        for a in attributes {
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: a.name.utf8)
            bytes.append(contentsOf: "=\"".utf8)
            Self.appendEscaped(a.value, to: &bytes)
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: ">"))
    }

    /// Writes `</name>`.
    public mutating func close(_ name: String) {
        bytes.append(UInt8(ascii: "<"))
        bytes.append(UInt8(ascii: "/"))
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: ">"))
    }

    /// Writes `<name>text</name>` with `text` escaped; an empty text gives `<name></name>`.
    public mutating func element(_ name: String, _ text: String) {
        open(name)
        Self.appendEscaped(text, to: &bytes)
        close(name)
    }

    /// Writes `<name>n</name>`.
    public mutating func element(_ name: String, _ value: Int) {
        element(name, String(value))
    }

    /// Writes `<name>n</name>`.
    public mutating func element(_ name: String, _ value: UInt64) {
        element(name, String(value))
    }

    /// Writes `<name>true</name>` or `<name>false</name>`.
    public mutating func element(_ name: String, _ value: Bool) {
        element(name, value ? "true" : "false")
    }

    /// Writes `<name>text</name>` when `text` is not nil, nothing otherwise.
    public mutating func optionalElement(_ name: String, _ text: String?) {
        if let text { element(name, text) }
    }

    /// Writes `<name xmlns…>`, the children `body` writes, then `</name>`.
    public mutating func element(_ name: String, xmlns: String? = nil, _ body: (inout XMLWriter) -> Void) {
        open(name, xmlns: xmlns)
        body(&self)
        close(name)
    }

    /// Writes `<name a="…">`, the children `body` writes, then `</name>`.
    public mutating func element(_ name: String, attributes: [(name: String, value: String)], _ body: (inout XMLWriter) -> Void) {
        open(name, attributes: attributes)
        body(&self)
        close(name)
    }

    /// Writes escaped character data.
    public mutating func text(_ text: String) {
        Self.appendEscaped(text, to: &bytes)
    }

    /// `text` escaped as XML character data.
    public static func escape(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        appendEscaped(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static let declarationBytes = Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n".utf8)

    /// Appends `text` escaped: the five markup characters as entities, and characters XML 1.0 cannot
    /// hold literally (C0 controls but tab and newline, CR which parsers would normalize away,
    /// U+FFFE and U+FFFF) as hexadecimal character references.
    static func appendEscaped(_ text: String, to out: inout [UInt8]) {
        let utf8 = text.utf8
        // Most keys need no escaping: copy them in one go.
        let clean = utf8.withContiguousStorageIfAvailable { buf in !buf.contains(where: needsEscape) }
            ?? !utf8.contains(where: needsEscape)
        if clean {
            out.append(contentsOf: utf8)
            return
        }
        var i = utf8.startIndex
        while i != utf8.endIndex {
            let b = utf8[i]
            switch b {
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): out.append(contentsOf: "&apos;".utf8)
            case 0x09, 0x0A: out.append(b)
            case 0x00...0x1F: appendCharRef(UInt32(b), to: &out)
            case 0xEF:
                // U+FFFE and U+FFFF are EF BF BE / EF BF BF.
                let j = utf8.index(after: i)
                if j != utf8.endIndex, utf8[j] == 0xBF {
                    let k = utf8.index(after: j)
                    if k != utf8.endIndex, utf8[k] == 0xBE || utf8[k] == 0xBF {
                        appendCharRef(utf8[k] == 0xBE ? 0xFFFE : 0xFFFF, to: &out)
                        i = utf8.index(after: k)
                        continue
                    }
                }
                out.append(b)
            default: out.append(b)
            }
            i = utf8.index(after: i)
        }
    }

    @inline(__always)
    static func needsEscape(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""), UInt8(ascii: "'"): return true
        case 0x09, 0x0A: return false
        case 0x00...0x1F, 0xEF: return true
        default: return false
        }
    }

    static func appendCharRef(_ scalar: UInt32, to out: inout [UInt8]) {
        out.append(contentsOf: "&#x".utf8)
        out.append(contentsOf: String(scalar, radix: 16, uppercase: true).utf8)
        out.append(UInt8(ascii: ";"))
    }
}
