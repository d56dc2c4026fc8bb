#if canImport(FoundationXML)
import Foundation
import FoundationXML
#else
import Foundation
#endif

/// A parsed XML element: the small tree the S3 request-body parsers validate.
struct XMLTree: Sendable {
    /// The local name (any namespace prefix removed).
    var name: String
    /// The character data directly inside this element.
    var text: String
    var children: [XMLTree]

    /// Parses `bytes`; nil when they are not well-formed UTF-8 XML, declare a DTD or entities, nest deeper
    /// than `maxDepth` or hold more than `maxElements` elements.
    static func parse(_ bytes: [UInt8], maxDepth: Int = 8, maxElements: Int) -> XMLTree? {
        // S3 refuses DTDs; refusing them here also rules out entity-expansion attacks.
        if containsMarkupDeclaration(bytes) { return nil }
        // FoundationXML traps on a name that is not UTF-8 (a 13-byte body brought the server down), and S3 takes only UTF-8.
        guard String(validating: bytes, as: UTF8.self) != nil else { return nil }
        let parser = XMLParser(data: Data(bytes))
        parser.shouldProcessNamespaces = false
        parser.shouldReportNamespacePrefixes = false
        parser.shouldResolveExternalEntities = false
        let builder = Builder(maxDepth: maxDepth, maxElements: maxElements)
        parser.delegate = builder
        guard parser.parse(), !builder.failed, let root = builder.root else { return nil }
        return root
    }

    /// Whether `bytes` hold `<!` other than a comment or CDATA section (a DOCTYPE or ENTITY).
    static func containsMarkupDeclaration(_ bytes: [UInt8]) -> Bool {
        var i = 0
        while i + 2 < bytes.count {
            if bytes[i] == UInt8(ascii: "<"), bytes[i + 1] == UInt8(ascii: "!") {
                let rest = bytes[(i + 2)...]
                if !rest.starts(with: "--".utf8), !rest.starts(with: "[CDATA[".utf8) { return true }
            }
            i += 1
        }
        return false
    }

    private final class Builder: NSObject, XMLParserDelegate {
        let maxDepth: Int
        let maxElements: Int
        var stack: [XMLTree] = []
        var root: XMLTree?
        var elements = 0
        var failed = false

        init(maxDepth: Int, maxElements: Int) {
            self.maxDepth = maxDepth
            self.maxElements = maxElements
        }

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
            attributes attributeDict: [String: String] = [:]
        ) {
            elements += 1
            guard root == nil, stack.count < maxDepth, elements <= maxElements else {
                fail(parser)
                return
            }
            let local = elementName.lastIndex(of: ":").map { String(elementName[elementName.index(after: $0)...]) } ?? elementName
            stack.append(XMLTree(name: local, text: "", children: []))
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            guard let node = stack.popLast() else {
                fail(parser)
                return
            }
            if stack.isEmpty {
                root = node
            } else {
                stack[stack.count - 1].children.append(node)
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            guard !stack.isEmpty, let s = String(data: CDATABlock, encoding: .utf8) else {
                fail(parser)
                return
            }
            stack[stack.count - 1].text += s
        }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) { failed = true }

        func parser(_ parser: XMLParser, validationErrorOccurred validationError: any Error) { failed = true }

        func fail(_ parser: XMLParser) {
            failed = true
            parser.abortParsing()
        }
    }
}
