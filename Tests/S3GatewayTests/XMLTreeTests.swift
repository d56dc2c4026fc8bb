import Foundation
import PFSTestSupport
import Testing

@testable import S3Gateway

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct XMLTreeTests {
    private func parse(_ text: String, maxDepth: Int = 8) -> XMLTree? {
        XMLTree.parse(Array(text.utf8), maxDepth: maxDepth, maxElements: 1000)
    }

    private func leaf(_ name: String, _ text: String) -> XMLTree { XMLTree(name: name, text: text, children: []) }

    @Test func theFormsClientsSend() throws {
        let body = """
            \u{FEFF}<?xml version="1.0" encoding="UTF-8" standalone='yes'?>
            <!-- made by a client -->
            <s3:Delete xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/" a='1'>
              <?client hint?>
              <Object><Key>a&lt;b&gt;&amp;&quot;&apos;&#65;&#x42;&#x20AC;</Key></Object>
              <Object><Key><![CDATA[x<y&z]]></Key><VersionId/></Object>
            </s3:Delete>
            """
        let tree = try #require(parse(body))
        #expect(tree.name == "Delete")
        #expect(tree.children.map(\.name) == ["Object", "Object"])
        #expect(tree.children[0].children == [leaf("Key", "a<b>&\"'AB€")])
        #expect(tree.children[1].children == [leaf("Key", "x<y&z"), leaf("VersionId", "")])
        #expect(tree.text.allSatisfy { $0.isWhitespace })
    }

    @Test func lineEndsAreNormalizedButACharacterReferenceKeepsItsCR() throws {
        let tree = try #require(parse("<Key>a\r\nb\rc&#13;d</Key>"))
        #expect(tree.text == "a\nb\nc\rd")
    }

    @Test(arguments: [
        "",
        "   ",
        "<a>",
        "<a></b>",
        "<a></a><b></b>",
        "text<a></a>",
        "<a></a>text",
        "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>",
        "<a><!ENTITY x \"y\"></a>",
        "<a>&bogus;</a>",
        "<a>&amp</a>",
        "<a>&#0;</a>",
        "<a>&#xD800;</a>",
        "<a>&#x110000;</a>",
        "<a>&#+65;</a>",
        "<a>]]></a>",
        "<a><!-- a -- b --></a>",
        "<a><![CDATA[x</a>",
        "<a b=1></a>",
        "<a b='1' b='2'></a>",
        "<a b='<'></a>",
        "<a b='1'c='2'></a>",
        "<a\u{1}></a>",
        "<a>\u{1}</a>",
        "<1a></1a>",
        " <?xml version=\"1.0\"?><a/>",
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>",
        "<?xml encoding=\"UTF-8\"?><a/>",
        "<a><?xml version=\"1.0\"?></a>",
        "<a><?pi</a>",
        "<a><?></a>",
        // Found by `make fuzz`: a processing instruction without data made FoundationXML dereference null.
        "<DelQt2%20+d%E2<?xmhostr?><COjb\u{16}SignedHeade",
    ])
    func malformedDocumentsAreRefused(_ text: String) {
        #expect(parse(text) == nil)
    }

    @Test func depthAndElementCountAreBounded() {
        let deep = { (n: Int) in String(repeating: "<a>", count: n) + String(repeating: "</a>", count: n) }
        #expect(parse(deep(8)) != nil)
        #expect(parse(deep(9)) == nil)
        #expect(parse(deep(100_000), maxDepth: 8) == nil)
        let many = "<r>" + String(repeating: "<a/>", count: 1000) + "</r>"
        #expect(XMLTree.parse(Array(many.utf8), maxElements: 1001) != nil)
        #expect(XMLTree.parse(Array(many.utf8), maxElements: 1000) == nil)
    }

    #if canImport(FoundationXML)
    /// Well-formed documents with every construct the parser takes give the tree Foundation's XMLParser (libxml2) gives.
    @Test func agreesWithLibxml2OnWellFormedDocuments() throws {
        var rng = SplitMix64(seed: 11)
        let texts = ["", " ", "plain", "a&amp;b", "&lt;&gt;", "&#x20AC;&#65;", "<![CDATA[c<d]]>", "<!-- c -->", "<?pi x?>", "é😀", "\n\t"]
        func element(_ depth: Int) -> String {
            let name = ["Key", "s3:Part", "ETag", "Object", "x_y.z-1"].randomElement(using: &rng)!
            let attributes = Bool.random(using: &rng) ? " xmlns=\"urn:x\" a='1&amp;2'" : ""
            var body = ""
            for _ in 0..<Int.random(in: 0...3, using: &rng) {
                body += texts.randomElement(using: &rng)!
                if depth < 4, Bool.random(using: &rng) { body += element(depth + 1) }
            }
            return body.isEmpty && Bool.random(using: &rng) ? "<\(name)\(attributes)/>" : "<\(name)\(attributes)>\(body)</\(name)>"
        }
        for _ in 0..<300 {
            let document = (Bool.random(using: &rng) ? "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" : "") + element(0)
            let ours = try #require(parse(document), "\(document)")
            #expect(ours == Libxml2Tree.parse(document), "\(document)")
        }
    }
    #endif
}

#if canImport(FoundationXML)
/// The tree as the parser before this one built it with Foundation's XMLParser: the oracle for well-formed input only.
private final class Libxml2Tree: NSObject, XMLParserDelegate {
    private var stack: [XMLTree] = []
    private var root: XMLTree?

    static func parse(_ text: String) -> XMLTree? {
        let parser = XMLParser(data: Data(text.utf8))
        let builder = Libxml2Tree()
        parser.delegate = builder
        guard parser.parse() else { return nil }
        return builder.root
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        let local = elementName.lastIndex(of: ":").map { String(elementName[elementName.index(after: $0)...]) } ?? elementName
        stack.append(XMLTree(name: local, text: "", children: []))
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        let node = stack.removeLast()
        if stack.isEmpty { root = node } else { stack[stack.count - 1].children.append(node) }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if !stack.isEmpty { stack[stack.count - 1].text += string }
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        if !stack.isEmpty { stack[stack.count - 1].text += String(decoding: CDATABlock, as: UTF8.self) }
    }
}
#endif
