import Testing
@testable import S3Gateway

@Suite struct XMLWriterTests {
    @Test func declarationAndElements() {
        var w = XMLWriter()
        w.declaration()
        w.element("Root", xmlns: "urn:x") { w in
            w.element("A", "text")
            w.element("N", 42)
            w.element("U", UInt64.max)
            w.element("B", true)
            w.element("F", false)
            w.element("E", "")
            w.optionalElement("Missing", nil)
            w.optionalElement("Present", "p")
        }
        #expect(str(w.bytes) == decl + "<Root xmlns=\"urn:x\"><A>text</A><N>42</N><U>18446744073709551615</U><B>true</B><F>false</F><E></E><Present>p</Present></Root>")
    }

    @Test func openCloseAndText() {
        var w = XMLWriter()
        w.open("A")
        w.text("x&y")
        w.close("A")
        #expect(str(w.bytes) == "<A>x&amp;y</A>")
    }

    @Test func escapesMarkupCharacters() {
        #expect(XMLWriter.escape("a&b<c>d\"e'f") == "a&amp;b&lt;c&gt;d&quot;e&apos;f")
        #expect(XMLWriter.escape("&&") == "&amp;&amp;")
        #expect(XMLWriter.escape("&amp;") == "&amp;amp;")
    }

    @Test func plainTextIsUnchanged() {
        #expect(XMLWriter.escape("") == "")
        #expect(XMLWriter.escape("photos/2026/ä ü 日本 🎉.jpg") == "photos/2026/ä ü 日本 🎉.jpg")
    }

    @Test func controlCharactersBecomeCharacterReferences() {
        #expect(XMLWriter.escape("a\u{01}b") == "a&#x1;b")
        #expect(XMLWriter.escape("\u{00}") == "&#x0;")
        #expect(XMLWriter.escape("\u{1F}") == "&#x1F;")
        #expect(XMLWriter.escape("\u{0B}\u{0C}") == "&#xB;&#xC;")
        // CR would be normalized to LF by any parser: keep it as a reference.
        #expect(XMLWriter.escape("a\rb") == "a&#xD;b")
    }

    @Test func tabAndNewlineStayLiteral() {
        #expect(XMLWriter.escape("a\tb\nc") == "a\tb\nc")
        #expect(XMLWriter.escape("\u{7F}") == "\u{7F}")
    }

    @Test func nonCharactersBecomeReferences() {
        #expect(XMLWriter.escape("x\u{FFFE}y\u{FFFF}z") == "x&#xFFFE;y&#xFFFF;z")
        // Other characters starting with byte EF are untouched.
        #expect(XMLWriter.escape("\u{FFFD}\u{F000}\u{FEFF}") == "\u{FFFD}\u{F000}\u{FEFF}")
    }

    @Test func mixedEscapes() {
        #expect(XMLWriter.escape("<\u{02}é&\u{FFFF}>") == "&lt;&#x2;é&amp;&#xFFFF;&gt;")
    }

    @Test func xmlnsIsEscaped() {
        var w = XMLWriter()
        w.open("A", xmlns: "a\"b")
        #expect(str(w.bytes) == "<A xmlns=\"a&quot;b\">")
    }
}
