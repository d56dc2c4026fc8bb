import NIOCore

/// An S3 POST upload (an HTML form, `multipart/form-data`) read as it streams: the fields before `file`, at most
/// 20 KiB of them as on S3, then the file's bytes, which never sit whole in memory. Fields after the file are ignored,
/// as S3 ignores them. Used from one task (the request's).
final class S3PostForm<Base: AsyncSequence> where Base.Element == ByteBuffer {
    /// The form fields before the file, names as sent, and the file part's name and type.
    struct Fields {
        var values: [(name: String, value: String)] = []
        var fileName = ""
        var fileContentType: String?

        /// The value of the first field named `name`, compared without case.
        func value(_ name: String) -> String? {
            let lower = name.lowercased()
            return values.first { $0.name.lowercased() == lower }?.value
        }
    }

    static var fieldBytesLimit: Int { 20 * 1024 }

    private var iterator: Base.AsyncIterator
    private var parser: MultipartFormParser
    private var partHeaders: [(name: String, value: String)] = []
    private var partValue: [UInt8] = []
    private var fields = Fields()
    private var fieldBytes = 0
    private var failure: S3Error?
    /// Set once the `file` part's headers are read.
    private var inFile = false
    private var fileDone = false
    private var pending: [ByteBuffer] = []
    private var bodyDone = false

    /// The boundary of a `multipart/form-data` Content-Type; nil for any other type.
    static func boundary(contentType: String?) -> String? {
        guard let contentType else { return nil }
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "multipart/form-data" else { return nil }
        for p in parts.dropFirst() where p.lowercased().hasPrefix("boundary=") {
            var b = p.dropFirst("boundary=".count)
            if b.hasPrefix("\""), b.hasSuffix("\""), b.count >= 2 { b = b.dropFirst().dropLast() }
            // RFC 2046: 1 to 70 characters.
            return (1...70).contains(b.count) ? String(b) : nil
        }
        return nil
    }

    init(body: Base, boundary: String) {
        iterator = body.makeAsyncIterator()
        parser = MultipartFormParser(boundary: boundary)
    }

    private func handle(_ event: MultipartFormParser.Event) {
        switch event {
        case .header(let name, let value):
            // Part headers count toward the limit too, or a form could grow them without end.
            if inFile || withinFieldLimit(adding: name.utf8.count + value.utf8.count) { partHeaders.append((name, value)) }
        case .body(let buffer):
            if !inFile, isFilePart { startFile() }
            if inFile {
                if !fileDone { pending.append(buffer) }
            } else if !fileDone, withinFieldLimit(adding: buffer.readableBytes) {
                partValue.append(contentsOf: buffer.readableBytesView)
            }
        case .partComplete:
            if !inFile, isFilePart { startFile() }
            if inFile {
                fileDone = true
            } else if !fileDone, let name = disposition("name") {
                fields.values.append((name, String(decoding: partValue, as: UTF8.self)))
            }
            partHeaders = []
            partValue = []
        }
    }

    /// Counts `bytes` more of the fields before the file; past the limit, records the failure and says no.
    private func withinFieldLimit(adding bytes: Int) -> Bool {
        fieldBytes += bytes
        guard fieldBytes > Self.fieldBytesLimit else { return true }
        failure = failure ?? .invalidArgument("The form fields before the file are larger than 20 KiB", name: "Content-Length")
        return false
    }

    private var isFilePart: Bool { disposition("name")?.lowercased() == "file" }

    private func startFile() {
        inFile = true
        fields.fileName = disposition("filename") ?? ""
        fields.fileContentType = partHeaders.first { $0.name.lowercased() == "content-type" }?.value
    }

    /// A parameter of the current part's Content-Disposition (`form-data; name="key"; filename="a.csv"`).
    private func disposition(_ parameter: String) -> String? {
        guard let header = partHeaders.first(where: { $0.name.lowercased() == "content-disposition" })?.value else { return nil }
        var rest = Substring(header)
        while let semicolon = rest.firstIndex(of: ";") {
            rest = rest[rest.index(after: semicolon)...].drop { $0 == " " || $0 == "\t" }
            guard let eq = rest.firstIndex(of: "=") else { return nil }
            let name = rest[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            var value = rest[rest.index(after: eq)...]
            let end: Substring.Index
            if value.hasPrefix("\"") {
                value = value.dropFirst()
                end = value.firstIndex(of: "\"") ?? value.endIndex
                let text = String(value[..<end])
                rest = value[end...].dropFirst()
                if name == parameter { return text }
            } else {
                end = value.firstIndex(of: ";") ?? value.endIndex
                let text = value[..<end].trimmingCharacters(in: .whitespaces)
                rest = value[end...]
                if name == parameter { return text }
            }
        }
        return nil
    }

    /// Feeds the parser the next piece of the body; false once the body has ended.
    private func feed() async throws -> Bool {
        guard !bodyDone, let buffer = try await iterator.next() else {
            bodyDone = true
            return false
        }
        do {
            for event in try parser.feed(buffer) { handle(event) }
        } catch {
            throw S3Error.malformedPOSTRequest("The body of your POST request is not well-formed multipart/form-data.")
        }
        if let failure { throw failure }
        return true
    }

    /// The fields before the file; throws if the form ends without one.
    func readFields() async throws -> Fields {
        while !inFile {
            guard try await feed() else {
                throw S3Error.invalidArgument("POST requires exactly one file upload per request.", name: "file", value: "0")
            }
        }
        return fields
    }

    /// The next bytes of the file, nil at its end. Throws IncompleteBody if the body ends first.
    func nextFileBytes() async throws -> ByteBuffer? {
        while pending.isEmpty {
            if fileDone { return nil }
            guard try await feed() else { throw S3Error.incompleteBody() }
        }
        return pending.removeFirst()
    }

    /// Reads what follows the file, ignored, so the connection can carry the next request.
    func drain() async throws {
        while try await feed() {}
    }
}
